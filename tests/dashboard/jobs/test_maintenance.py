"""What beat runs: the sweep finds parts whose worker died or whose message was lost;
expired export files are deleted."""

import os
import socket
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.jobs import columns as cols
from dashboard.jobs import maintenance
from dashboard.jobs.assembly import job_assemble
from dashboard.jobs.create import job_export_create
from dashboard.jobs.leases import lease_holder
from dashboard.jobs.workfiles import part_path
from dashboard.jobs.writers import PartFile
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


def test_the_sweep_finds_an_export_whose_assembly_message_was_lost(db):
    store = StoreFactory(subdomain="acme")
    job, _ = job_export_create(owner=None, stores=[store])
    part = job.parts.get()
    columns = cols.columns_for(job.resource, job.columns)
    order = {"number": "1001", "date_placed": "2026-01-02T12:00:00Z", "currency": "USD", "total_incl_tax": "9.50"}
    with PartFile(part_path(part)) as out:
        out.open_at(0)
        offset = out.append_rows(cols.rows_for_order(columns, order, store))
    # Every store's part is done, but the message that would assemble the file is gone.
    JobPart.objects.filter(pk=part.pk).update(status=JobPart.Status.DONE, byte_offset=offset, rows_written=1)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    assemble = []
    result = maintenance.jobs_sweep(enqueue_part=None, enqueue_assembly=lambda *, job_id: assemble.append(job_id))
    assert (result.requeued_parts, result.assemblies, assemble) == (0, 1, [job.pk])
    assert job_assemble(job_id=job.pk) == "finished"  # what the enqueued task runs
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        assert b"1001" in fh.read()
    assert maintenance.jobs_sweep(enqueue_part=None, enqueue_assembly=None).assemblies == 0


def test_intermediate_files_are_removed_a_day_after_their_job_ended(db, settings):
    def ended(status, ago):
        return Job.objects.create(status=status, finished_at=timezone.now() - ago)

    running = Job.objects.create(status=Job.Status.RUNNING)
    failed_long_ago = ended(Job.Status.FAILED, timedelta(days=2))
    cancelled_just_now = ended(Job.Status.CANCELLED, timedelta(hours=1))
    kept = [running.pk, cancelled_just_now.pk, "not-a-job"]
    removed = [failed_long_ago.pk, uuid.uuid4()]  # the second: a job deleted since
    for name in kept + removed:
        (settings.EXPORT_WORK_DIR / str(name)).mkdir(parents=True)
        (settings.EXPORT_WORK_DIR / str(name) / "part-1.csv").write_text("acme,1\n")
    maintenance.jobs_expire_files()
    assert sorted(p.name for p in settings.EXPORT_WORK_DIR.iterdir()) == sorted(str(n) for n in kept)
