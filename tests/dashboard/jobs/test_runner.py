"""Running a part: the poison bound, a lease held by another worker, membership checked
when the part runs (in this process, and by a real worker)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import tasks
from dashboard.jobs.create import job_export_create
from dashboard.jobs.runner import RetryLater, part_run
from dashboard.models import Job, JobPart
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory

from .conftest import wait_for

pytestmark = pytest.mark.usefixtures("job_files")


def test_a_poison_part_stops_after_the_bounded_attempts(db, settings):
    settings.JOB_MAX_ATTEMPTS = 3
    store = StoreFactory()
    job, _ = job_export_create(owner=None, stores=[store])
    JobPart.objects.filter(job=job).update(attempts=3, error="an internal error (KeyError)")
    assert part_run(part_id=job.parts.get().pk) == "nothing to do"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped after 3 attempts without progress (an internal error (KeyError))" in job.error


def test_a_live_lease_makes_a_second_copy_wait(db):
    store = StoreFactory()
    job, _ = job_export_create(owner=None, stores=[store])
    part = job.parts.get()
    JobPart.objects.filter(pk=part.pk).update(
        status=JobPart.Status.RUNNING, lease_owner="other-host:1", lease_until=timezone.now() + timedelta(seconds=60)
    )
    with pytest.raises(RetryLater) as caught:
        part_run(part_id=part.pk)
    assert 1 <= caught.value.countdown <= 60
    assert JobPart.objects.get(pk=part.pk).attempts == 0


def test_a_job_checks_membership_when_it_runs(db):
    store = StoreFactory(subdomain="acme")
    membership = MembershipFactory(store=store, role=Role.MANAGER)
    job, _ = job_export_create(owner=membership.operator, stores=[store])
    membership.role = Role.VIEWER
    membership.save()
    assert part_run(part_id=job.parts.get().pk) == "failed"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "no longer allows this" in job.error
    job2, _ = job_export_create(owner=membership.operator, stores=[store])
    membership.delete()
    part_run(part_id=job2.parts.get().pk)
    job2.refresh_from_db()
    assert "no longer a member of" in job2.error


def test_the_worker_checks_membership_when_the_job_runs(celery_worker):
    from tests.factories import StoreFactory

    store = StoreFactory(subdomain="acme")
    membership = MembershipFactory(store=store, role=Role.MANAGER)
    job, _ = job_export_create(owner=membership.operator, stores=[store])
    membership.delete()  # removed after queueing, before the worker runs it
    tasks.job_enqueue(job=job)
    wait_for(job, worker=celery_worker)
    assert job.status == Job.Status.FAILED
    assert job.error == f"{membership.operator} is no longer a member of {store.display_name}."
