"""A bulk job keeps its share of the store's rate limit while page views take every
slot they can (storeapi.ratelimit's fair share), with the real Celery worker running the
job and real page-view requests to the sandbox from this process.

Before the fair share, page views always took the slot first, and a two-ticket status
change waited for minutes while pages were viewed about four times a second.
"""

import threading
import time

import pytest
from django.urls import reverse

from dashboard.jobs.create import job_bulk_create
from dashboard.models import Job
from storeapi.client import StoreClient
from storeapi.errors import StoreBusy
from storeapi.models import Store
from storeapi.presence import store_seen
from storeapi.roles import Role
from tests.dashboard.conftest import api_get
from tests.factories import MembershipFactory, OperatorFactory

SATURATING_VIEWERS = 6


@pytest.fixture
def siam(sandbox, transactional_db):
    store = Store.objects.create(subdomain="siam", name="Siam", status=Store.Status.CONNECTED)
    store.set_tokens(access_token=sandbox.issue_token("siam"))
    store.save()
    return store


def test_a_bulk_job_progresses_while_page_views_saturate_the_store(client, sandbox, siam, celery_worker, settings):
    # This process's page views at the platform's real rate; the worker's limiter shares
    # the same Redis schedule (the slots set aside for it are recorded there).
    settings.STOREAPI_RATE_LIMIT_PER_SECOND = 4
    settings.STOREAPI_INTERACTIVE_BURST = 0
    settings.STOREAPI_BULK_SHARE = 0.25
    settings.STOREAPI_STORE_THREADS_PER_PROCESS = SATURATING_VIEWERS
    job_done = threading.Event()
    views, errors = [], []

    def viewer():
        client = StoreClient.for_store(siam)
        while not job_done.is_set():
            try:
                client.get("store/")  # an uncached read: every view spends a slot
                views.append(time.time())
            except StoreBusy:
                pass  # the queue is longer than a page may wait: exactly the pressure wanted
            except Exception as error:
                errors.append(error)
                return

    viewers = [threading.Thread(target=viewer) for _ in range(SATURATING_VIEWERS)]
    for thread in viewers:
        thread.start()
    try:
        time.sleep(2)  # the store's slots are all taken by page views now
        agent = OperatorFactory()
        MembershipFactory(operator=agent, store=siam, role=Role.AGENT)
        tickets = [t for t in api_get(sandbox, "siam", "tickets/")["results"] if t["status"] != "pending"][:2]
        client.force_login(agent)
        client.post(
            reverse("bulk_tickets", kwargs={"store": "siam"}),
            {"action": "ticket_status", "value": "pending", "ids": [str(t["id"]) for t in tickets]},
        )
        job = Job.objects.get(kind=Job.Kind.BULK)
        deadline = time.monotonic() + 90
        while job.status not in Job.DONE_STATUSES:
            assert time.monotonic() < deadline, f"the job starved: still {job.status} while pages were viewed"
            time.sleep(0.2)
            job.refresh_from_db()
        finished_at = time.time()
    finally:
        job_done.set()
        for thread in viewers:
            thread.join(timeout=30)

    assert not errors, errors
    assert job.status == Job.Status.FINISHED, job.error
    for ticket in tickets:
        assert api_get(sandbox, "siam", f"tickets/{ticket['id']}/")["status"] == "pending"
    # Page views went on at the store's rate the whole time: the job took its share,
    # not the whole budget.
    during = [t for t in views if job.started_at.timestamp() <= t <= finished_at]
    assert len(during) >= 2


def test_a_waiting_jobs_page_says_whom_it_shares_the_store_with(client, siam):
    owner = OperatorFactory()
    MembershipFactory(operator=owner, store=siam, role=Role.AGENT)
    job, _ = job_bulk_create(owner=owner, store=siam, action="ticket_status", value="pending", object_ids=["1", "2"])
    for operator_id in (owner.pk, 9001, 9002, 9003):  # the owner and three colleagues at work on siam
        store_seen(store_id=siam.pk, operator_id=operator_id)
    client.force_login(owner)
    page = client.get(reverse("job_detail", kwargs={"job_id": job.pk})).content.decode()
    assert "Sharing the store's rate limit with 3 operators; this job keeps at least one request in 4." in page
    assert "time left: unknown" not in page
