"""What beat's maintenance does for jobs (intermediate files left behind, an assembly
whose message was lost) and downloads whose file is gone."""

import time
import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from dashboard.jobs import columns as cols
from dashboard.jobs import services
from dashboard.jobs.writers import PartFile
from dashboard.models import Job, JobPart
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory


def ended_job(status: str, *, ended_ago: timedelta) -> Job:
    return Job.objects.create(status=status, finished_at=timezone.now() - ended_ago)


def test_intermediate_files_are_removed_a_day_after_their_job_ended(db, settings, tmp_path):
    settings.EXPORT_WORK_DIR = tmp_path / "work"
    running = Job.objects.create(status=Job.Status.RUNNING)
    failed_long_ago = ended_job(Job.Status.FAILED, ended_ago=timedelta(days=2))
    cancelled_just_now = ended_job(Job.Status.CANCELLED, ended_ago=timedelta(hours=1))
    kept = [running.pk, cancelled_just_now.pk, "not-a-job"]
    removed = [failed_long_ago.pk, uuid.uuid4()]  # the second: a job deleted since
    for name in kept + removed:
        (settings.EXPORT_WORK_DIR / str(name)).mkdir(parents=True)
        (settings.EXPORT_WORK_DIR / str(name) / "part-1.csv").write_text("acme,1\n")
    services.jobs_expire_files()
    assert sorted(p.name for p in settings.EXPORT_WORK_DIR.iterdir()) == sorted(str(n) for n in kept)


def test_the_sweep_assembles_an_export_whose_assembly_message_was_lost(transactional_db, celery_worker):
    # The default work and media directories: the session's worker was started with them.
    store = StoreFactory(subdomain="acme")
    job, _ = services.job_export_create(owner=None, stores=[store], enqueue=False)
    part = job.parts.get()
    columns = cols.columns_for(job.resource, job.columns)
    order = {"number": "1001", "date_placed": "2026-01-02T12:00:00Z", "currency": "USD", "total_incl_tax": "9.50"}
    with PartFile(services.part_path(part)) as out:
        out.open_at(0)
        offset = out.append_rows(cols.rows_for_order(columns, order, store))
    # Every store's part is done, but the message that would assemble the file is gone.
    JobPart.objects.filter(pk=part.pk).update(status=JobPart.Status.DONE, byte_offset=offset, rows_written=1)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    assert services.jobs_sweep().assemblies == 1
    deadline = time.monotonic() + 60
    while job.status != Job.Status.FINISHED:
        assert time.monotonic() < deadline, f"still {job.status}:\n{celery_worker.log()[-3000:]}"
        time.sleep(0.1)
        job.refresh_from_db()
    with job.file.open("rb") as fh:
        assert b"1001" in fh.read()
    assert job.rows_total == 1
    assert services.jobs_sweep().assemblies == 0  # nothing left to assemble


# --- downloads whose file is not there --------------------------------------------------------


@pytest.fixture
def manager(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return MembershipFactory(role=Role.MANAGER, store=StoreFactory(subdomain="acme")).operator


def owned_job(owner, status: str) -> Job:
    job = Job.objects.create(owner=owner, status=status, expires_at=timezone.now() + timedelta(days=7))
    JobPart.objects.create(job=job, store=owner.memberships.get().store, position=0)
    return job


def test_a_file_storage_lost_answers_410_with_the_page(client, manager):
    job = owned_job(manager, Job.Status.FINISHED)
    job.file.name = default_storage.save(f"exports/{job.pk}/{uuid.uuid4().hex}.csv", ContentFile(b"acme,1\n"))
    job.save()
    default_storage.delete(job.file.name)  # e.g. a bucket lifecycle rule, behind our back
    client.force_login(manager)
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 410 and b"has expired" in response.content


def test_a_job_still_running_has_nothing_to_download(client, manager):
    job = owned_job(manager, Job.Status.RUNNING)
    client.force_login(manager)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
