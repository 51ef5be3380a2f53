"""Bulk actions the toolbars offer beyond those in test_jobs_worker.py: removing a tag
from orders, and setting or clearing tickets' assignee. Through the endpoints, a real
Celery worker and the sandbox; checked against the sandbox's own data."""

import time
import uuid

import pytest
from django.urls import reverse

from dashboard.models import Job, JobItem
from dashboard.services.orders import order_tag_add
from storeapi.roles import Role

from .conftest import api_get


@pytest.fixture
def siam(connect_store):
    return connect_store("siam")


def finished(celery_worker) -> Job:
    job = Job.objects.get(kind=Job.Kind.BULK)
    deadline = time.monotonic() + 60
    while job.status not in Job.DONE_STATUSES:
        assert time.monotonic() < deadline, f"the bulk job is still {job.status}:\n{celery_worker.log()[-3000:]}"
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.status == Job.Status.FINISHED, job.error
    return job


def test_removing_a_tag_takes_it_off_and_says_which_orders_had_none(
    siam, login_as, sandbox, sandbox_writes, celery_worker
):
    client = login_as(siam, Role.MANAGER)
    tag = f"recall-{uuid.uuid4().hex[:6]}"
    tagged, untagged = sandbox.order_numbers("siam")[:2], sandbox.order_numbers("siam")[2]
    for number in tagged:
        order_tag_add(operator=client.operator, store=siam, number=number, tag=tag)
    assert sorted(sandbox.order_numbers("siam", tags=tag)) == sorted(tagged)
    client.post(
        reverse("bulk_orders", kwargs={"store": "siam"}),
        {"action": "tag_remove", "value": tag, "ids": ",".join([*tagged, untagged])},
    )
    job = finished(celery_worker)
    assert sandbox.order_numbers("siam", tags=tag) == []
    messages = dict(JobItem.objects.filter(part__job=job).values_list("object_id", "message"))
    assert messages == {**dict.fromkeys(tagged, f"tag “{tag}” removed"), untagged: f"had no tag “{tag}”"}


def test_setting_then_clearing_the_assignee_of_tickets(siam, login_as, sandbox, sandbox_writes, celery_worker):
    client = login_as(siam, Role.AGENT)
    tickets = api_get(sandbox, "siam", "tickets/")["results"]
    assignee = next(t["assignee"] for t in tickets if t["assignee"])
    chosen = [t["id"] for t in tickets if t["assignee"] != assignee][:2]
    url = reverse("bulk_tickets", kwargs={"store": "siam"})
    client.post(url, {"action": "ticket_assignee", "value": str(assignee), "ids": [str(i) for i in chosen]})
    finished(celery_worker)
    assert [api_get(sandbox, "siam", f"tickets/{i}/")["assignee"] for i in chosen] == [assignee, assignee]
    Job.objects.all().delete()
    client.post(url, {"action": "ticket_assignee", "value": "", "ids": [str(i) for i in chosen]})
    job = finished(celery_worker)
    assert [api_get(sandbox, "siam", f"tickets/{i}/")["assignee"] for i in chosen] == [None, None]
    assert set(JobItem.objects.filter(part__job=job).values_list("message", flat=True)) == {"unassigned"}
