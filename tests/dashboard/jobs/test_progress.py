"""The progress shown while a job runs: how far an export has walked back through its
date range, and how long the rest should take at the rate so far."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.models import Job, JobPart
from storeapi.models import Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    operator = OperatorFactory()
    for subdomain in ("acme", "siam"):
        MembershipFactory(operator=operator, store=StoreFactory(subdomain=subdomain), role=Role.MANAGER)
    return operator


def running_job(owner, **fields) -> Job:
    return Job.objects.create(
        owner=owner, status=Job.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=600), **fields
    )


def store(subdomain):
    return Store.objects.get(subdomain=subdomain)


def test_an_export_of_a_date_range_shows_how_far_it_has_walked_back(client, owner):
    job = running_job(owner, filters={"date_placed_from": "2026-01-01"})
    JobPart.objects.create(job=job, store=store("acme"), position=0, status=JobPart.Status.DONE, rows_written=100)
    # Newest order of the range on Jan 31, walked back to Jan 16: half of siam's range.
    JobPart.objects.create(
        job=job,
        store=store("siam"),
        position=1,
        status=JobPart.Status.RUNNING,
        rows_written=50,
        pages_done=1,
        first_date="2026-01-31T00:00:00+00:00",
        last_date="2026-01-16T00:00:00+00:00",
    )
    client.force_login(owner)
    html = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'value="75"' in html  # one store done, the other half way
    # 600 s for three quarters: 200 s for the last quarter (a little more as the test runs).
    assert re.search(r"time left: 3 min [23]\d s", html), html


def test_an_export_without_a_start_date_has_no_percentage_to_show(client, owner):
    job = running_job(owner)
    JobPart.objects.create(
        job=job, store=store("acme"), position=0, status=JobPart.Status.RUNNING, first_date="2026-01-31T00:00:00Z"
    )
    client.force_login(owner)
    html = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Progress (total unknown)" in html and "time left: unknown" in html


def test_a_bulk_job_counts_its_items(client, owner):
    job = running_job(owner, kind=Job.Kind.BULK)
    JobPart.objects.create(
        job=job, store=store("acme"), position=0, items_total=120, items_done=28, items_failed=2, collected=True
    )
    client.force_login(owner)
    html = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'value="25"' in html and "30 of 120 done, 2 failed" in html
    # 30 items in 600 s: 90 more take 1,800 s (a little more as the test runs).
    assert re.search(r"time left: 30 min [0-5]\d s", html), html
