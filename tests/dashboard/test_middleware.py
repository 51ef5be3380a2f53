"""Notices shown once: the context processors only read what the notice area shows;
the middleware marks what a page showed as seen, once the page is rendered."""

import uuid

import pytest
from django.http import HttpResponse

from dashboard.context_processors import job_notices, payment_notices
from dashboard.middleware import NoticesSeenMiddleware
from dashboard.models import Job, PhoneOrder
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
