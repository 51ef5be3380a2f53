"""Notices shown once: the context processors only read what the notice area shows;
the middleware marks what a page showed as seen, once the page is rendered."""

import uuid

import pytest
from django.http import HttpResponse
from django.utils.timezone import now

from dashboard.context_processors import job_notices, payment_notices
from dashboard.jobs import selectors as job_selectors
from dashboard.middleware import NoticesSeenMiddleware
from dashboard.models import Job, PhoneOrder
from dashboard.selectors.notices import PendingNotices, pending_notices
from dashboard.selectors.phone_orders import phone_order_notices
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(rf):
    """An operator with a finished job and a paid payment link they were not told of yet."""
    membership = MembershipFactory()
    job = Job.objects.create(owner=membership.operator, status=Job.Status.FINISHED)
    paid = PhoneOrder.objects.create(
        key=uuid.uuid4(),
        store=membership.store,
        operator=membership.operator,
        state=PhoneOrder.State.CREATED,
        order_number="1001",
        payment=PhoneOrder.Payment.LINK,
        payment_status=PhoneOrder.PaymentStatus.PAID,
    )
    request = rf.get("/")
    request.user, request.htmx = membership.operator, False
    return request, job, paid


def test_reading_the_notice_area_marks_nothing(ended):
    request, job, paid = ended
    assert list(job_notices(request)["job_notice"]["ended"]) == [job]
    assert list(payment_notices(request)["payment_notice"]["ended"]) == [paid]
    job.refresh_from_db()
    paid.refresh_from_db()
    assert job.notified_at is None and paid.notified_at is None


def test_a_page_that_showed_the_notices_marks_them_seen(ended, rf):
    request, job, paid = ended

    def page(request):
        # What rendering base.html does: it reads both notices.
        job_notices(request)["job_notice"]["ended"]
        payment_notices(request)["payment_notice"]["ended"]
        return HttpResponse("page")

    assert NoticesSeenMiddleware(page)(request).content == b"page"
    job.refresh_from_db()
    paid.refresh_from_db()
    assert job.notified_at is not None and paid.notified_at is not None
    following = rf.get("/")
    following.user, following.htmx = request.user, False
    assert list(job_notices(following)["job_notice"]["ended"]) == []
    assert list(payment_notices(following)["payment_notice"]["ended"]) == []


def test_a_page_that_did_not_show_them_marks_nothing(ended):
    request, job, paid = ended
    NoticesSeenMiddleware(lambda request: HttpResponse("partial"))(request)
    job.refresh_from_db()
    paid.refresh_from_db()
    assert job.notified_at is None and paid.notified_at is None


def _phone_order(membership, **fields):
    return PhoneOrder.objects.create(
        key=uuid.uuid4(),
        store=membership.store,
        operator=membership.operator,
        order_number="1002",
        payment=PhoneOrder.Payment.LINK,
        **fields,
    )


@pytest.mark.parametrize(
    ("job_status", "job_notified", "expected"),
    [
        (Job.Status.RUNNING, False, True),
        (Job.Status.FAILED, False, True),
        (Job.Status.FINISHED, True, False),
        (Job.Status.EXPIRED, False, False),
    ],
)
def test_the_pending_check_agrees_with_the_job_notices(job_status, job_notified, expected):
    """One plain query says whether there is anything to show; the selector says what."""
    membership = MembershipFactory()
    Job.objects.create(owner=membership.operator, status=job_status, notified_at=now() if job_notified else None)
    Job.objects.create(owner=MembershipFactory().operator, status=Job.Status.RUNNING)  # someone else's
    assert pending_notices(operator=membership.operator) == PendingNotices(jobs=expected, payments=False)
    shown = job_selectors.job_notices(operator=membership.operator)
    assert bool(shown["ended"] or shown["running"]) is expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"state": PhoneOrder.State.CREATED, "payment_status": PhoneOrder.PaymentStatus.AWAITING}, True),
        ({"state": PhoneOrder.State.CREATED, "payment_status": PhoneOrder.PaymentStatus.FAILED}, True),
        ({"state": PhoneOrder.State.CREATED, "payment_status": PhoneOrder.PaymentStatus.NONE}, False),
        ({"state": PhoneOrder.State.RESERVED, "payment_status": PhoneOrder.PaymentStatus.PAID}, False),
        ({"state": PhoneOrder.State.CREATED, "payment_status": "paid", "notified_at": "now"}, False),
    ],
)
def test_the_pending_check_agrees_with_the_payment_notices(fields, expected):
    membership = MembershipFactory()
    if fields.get("notified_at") == "now":
        fields = {**fields, "notified_at": now()}
    _phone_order(membership, **fields)
    assert pending_notices(operator=membership.operator) == PendingNotices(jobs=False, payments=expected)
    shown = phone_order_notices(operator=membership.operator)
    assert bool(shown["ended"] or shown["waiting"]) is expected


def test_a_page_with_nothing_pending_runs_one_notice_query(rf, django_assert_num_queries):
    membership = MembershipFactory()
    request = rf.get("/")
    request.user, request.htmx = membership.operator, False
    with django_assert_num_queries(1):
        assert job_notices(request)["job_notice"]["ended"] == []
        assert payment_notices(request)["payment_notice"]["ended"] == []
