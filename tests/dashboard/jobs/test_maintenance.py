"""What beat runs: the sweep finds parts whose worker died or whose message was lost;
expired export files are deleted."""

import os
import socket
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.jobs import maintenance
from dashboard.jobs.create import job_export_create
from dashboard.jobs.leases import lease_holder
from dashboard.models import Job, JobPart
from tests.factories import StoreFactory

from ..conftest import finished_job
from .conftest import sweep

pytestmark = pytest.mark.usefixtures("job_files")


def test_sweep_requeues_parts_whose_worker_died(db, settings):
    store = StoreFactory()
    job, _ = job_export_create(owner=None, stores=[store])
    part = job.parts.get()
    dead_pid = 2**22 + 12345  # above Linux's default pid_max
    JobPart.objects.filter(pk=part.pk).update(
        status=JobPart.Status.RUNNING,
        lease_owner=f"{socket.gethostname()}:{dead_pid}",
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    live = job_export_create(owner=None, stores=[StoreFactory()])[0].parts.get()
    JobPart.objects.filter(pk=live.pk).update(
        status=JobPart.Status.RUNNING,
        lease_owner=lease_holder(),
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    assert os.getpid() != dead_pid
    result = sweep()
    assert result.requeued_parts == 1
    assert JobPart.objects.get(pk=part.pk).enqueued_at is not None
    assert JobPart.objects.get(pk=live.pk).enqueued_at is None
    assert sweep().requeued_parts == 0  # not again while its message waits


def test_sweep_requeues_a_part_whose_message_was_lost_in_the_queue(db, settings):
    settings.JOB_REQUEUE_AFTER_SECONDS = 60
    store = StoreFactory()
    job, _ = job_export_create(owner=None, stores=[store])
    part = job.parts.get()
    JobPart.objects.filter(pk=part.pk).update(enqueued_at=timezone.now() - timedelta(seconds=30))
    assert sweep().requeued_parts == 0  # its message may still be waiting
    JobPart.objects.filter(pk=part.pk).update(enqueued_at=timezone.now() - timedelta(seconds=61))
    assert sweep().requeued_parts == 1  # Redis lost it (restarted): enqueued again
    assert JobPart.objects.get(pk=part.pk).enqueued_at > timezone.now() - timedelta(seconds=5)


def test_sweep_leaves_an_export_being_assembled_alone_until_its_assembler_died(db):
    job, _ = job_export_create(owner=None, stores=[StoreFactory()])
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        assembly_owner=lease_holder(),
        assembly_claim=uuid.uuid4(),
        assembly_until=timezone.now() + timedelta(minutes=5),
    )
    job.parts.update(status=JobPart.Status.DONE)
    assert sweep().assemblies == 0  # being assembled: no second copy queued behind it
    Job.objects.filter(pk=job.pk).update(assembly_owner=f"{socket.gethostname()}:{2**22 + 12345}")
    assert sweep().assemblies == 1  # its worker died: assembled again
    Job.objects.filter(pk=job.pk).update(assembly_owner="elsewhere:1", assembly_until=timezone.now())
    assert sweep().assemblies == 1  # its claim ran out


def test_retention_cleanup_deletes_old_files_and_marks_jobs_expired(db):
    acme = StoreFactory(subdomain="acme")
    old = finished_job(None, [acme])
    fresh = finished_job(None, [acme])
    Job.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    old_name = old.file.name
    assert default_storage.exists(old_name)
    assert maintenance.jobs_expire_files() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Job.Status.EXPIRED and not old.file
    assert not default_storage.exists(old_name)
    assert fresh.status == Job.Status.FINISHED and default_storage.exists(fresh.file.name)
