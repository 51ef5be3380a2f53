"""The job engine's own rules, in this process and without a store: assembly from the
per-store intermediate files, the poison bound, membership at run time, the sweep."""

import csv
import os
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from dashboard.jobs import columns as cols
from dashboard.jobs import services
from dashboard.jobs.writers import PartFile
from dashboard.models import Job, JobPart
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_WORK_DIR = tmp_path / "work"


def order(number, total="10.00"):
    return {"number": str(number), "date_placed": "2026-01-02T12:00:00Z", "currency": "USD", "total_incl_tax": total}


def running_export(owner, stores, fmt, orders_by_store):
    job, _ = services.job_export_create(owner=owner, stores=stores, fmt=fmt, enqueue=False)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    columns = cols.columns_for(job.resource, job.columns)
    for part in job.parts.select_related("store"):
        with PartFile(services.part_path(part)) as out:
            out.open_at(0)
            rows = [
                r for o in orders_by_store[part.store.subdomain] for r in cols.rows_for_order(columns, o, part.store)
            ]
            offset = out.append_rows(rows)
            out.append_rows([["half a page whose progress was never saved"] * len(columns)])
        JobPart.objects.filter(pk=part.pk).update(
            status=JobPart.Status.DONE, byte_offset=offset, rows_written=len(rows)
        )
    return job


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_assembly_joins_the_stores_in_order_up_to_their_saved_offsets(db, fmt, django_capture_on_commit_callbacks):
    acme = StoreFactory(subdomain="acme", timezone="America/New_York")
    siam = StoreFactory(subdomain="siam", timezone="Asia/Bangkok", currency="THB")
    owner = MembershipFactory(store=acme, role=Role.MANAGER).operator
    job = running_export(owner, [acme, siam], fmt, {"acme": [order(3), order(2)], "siam": [order(9, "1.50")]})
    with django_capture_on_commit_callbacks(execute=True):
        assert services.job_assemble(job_id=job.pk) == "finished"
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED and job.rows_total == 3 and job.expires_at > timezone.now()
    assert job.file_name.startswith("orders-acme-siam-") and job.file_name.endswith(f".{fmt}")
    with job.file.open("rb") as fh:
        data = fh.read()
    if fmt == "csv":
        rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    else:
        path = services.work_dir(job.pk).parent / "check.xlsx"
        path.write_bytes(data)
        rows = [[c for c in r] for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [(r["store"], r["order number"]) for r in body] == [("acme", "3"), ("acme", "2"), ("siam", "9")]
    assert str(body[0]["date placed"]).startswith("2026-01-02 07:00:00")  # New York
    assert str(body[2]["date placed"]).startswith("2026-01-02 19:00:00")  # Bangkok
    assert not services.work_dir(job.pk).exists()  # intermediates removed
    # A second assembly (a redelivered message) changes nothing.
    name = job.file.name
    assert services.job_assemble(job_id=job.pk) == "nothing to do"
    job.refresh_from_db()
    assert job.file.name == name


def test_assembly_waits_for_every_part(db):
    acme, bergmann = StoreFactory(), StoreFactory()
    job = running_export(None, [acme, bergmann], "csv", {acme.subdomain: [order(1)], bergmann.subdomain: []})
    JobPart.objects.filter(job=job, store=bergmann).update(status=JobPart.Status.RUNNING)
    assert services.job_assemble(job_id=job.pk) == "parts still running"
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


def test_a_poison_part_stops_after_the_bounded_attempts(db, settings):
    settings.JOB_MAX_ATTEMPTS = 3
    store = StoreFactory()
    job, _ = services.job_export_create(owner=None, stores=[store], enqueue=False)
    JobPart.objects.filter(job=job).update(attempts=3, error="an internal error (KeyError)")
    assert services.part_run(part_id=job.parts.get().pk) == "nothing to do"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped after 3 attempts without progress (an internal error (KeyError))" in job.error


def test_a_job_checks_membership_when_it_runs(db):
    store = StoreFactory(subdomain="acme")
    membership = MembershipFactory(store=store, role=Role.MANAGER)
    job, _ = services.job_export_create(owner=membership.operator, stores=[store], enqueue=False)
    membership.role = Role.VIEWER
    membership.save()
    assert services.part_run(part_id=job.parts.get().pk) == "failed"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "no longer allows this" in job.error
    job2, _ = services.job_export_create(owner=membership.operator, stores=[store], enqueue=False)
    membership.delete()
    services.part_run(part_id=job2.parts.get().pk)
    job2.refresh_from_db()
    assert "no longer a member of" in job2.error


def test_a_live_lease_makes_a_second_copy_wait(db):
    store = StoreFactory()
    job, _ = services.job_export_create(owner=None, stores=[store], enqueue=False)
    part = job.parts.get()
    JobPart.objects.filter(pk=part.pk).update(
        status=JobPart.Status.RUNNING, lease_owner="other-host:1", lease_until=timezone.now() + timedelta(seconds=60)
    )
    with pytest.raises(services.RetryLater) as caught:
        services.part_run(part_id=part.pk)
    assert 1 <= caught.value.countdown <= 60
    assert JobPart.objects.get(pk=part.pk).attempts == 0


def test_sweep_requeues_parts_whose_worker_died(db, settings):
    store = StoreFactory()
    job, _ = services.job_export_create(owner=None, stores=[store], enqueue=False)
    part = job.parts.get()
    dead_pid = 2**22 + 12345  # above Linux's default pid_max
    JobPart.objects.filter(pk=part.pk).update(
        status=JobPart.Status.RUNNING,
        lease_owner=f"{services.socket.gethostname()}:{dead_pid}",
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    live = services.job_export_create(owner=None, stores=[StoreFactory()], enqueue=False)[0].parts.get()
    JobPart.objects.filter(pk=live.pk).update(
        status=JobPart.Status.RUNNING,
        lease_owner=services.lease_holder(),
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    assert os.getpid() != dead_pid
    result = services.jobs_sweep()
    assert result.requeued_parts == 1
    assert JobPart.objects.get(pk=part.pk).enqueued_at is not None
    assert JobPart.objects.get(pk=live.pk).enqueued_at is None
    assert services.jobs_sweep().requeued_parts == 0  # not again while its message waits


def test_sweep_requeues_a_part_whose_message_was_lost_in_the_queue(db, settings):
    settings.JOB_REQUEUE_AFTER_SECONDS = 60
    store = StoreFactory()
    job, _ = services.job_export_create(owner=None, stores=[store], enqueue=False)
    part = job.parts.get()
    JobPart.objects.filter(pk=part.pk).update(enqueued_at=timezone.now() - timedelta(seconds=30))
    assert services.jobs_sweep().requeued_parts == 0  # its message may still be waiting
    JobPart.objects.filter(pk=part.pk).update(enqueued_at=timezone.now() - timedelta(seconds=61))
    assert services.jobs_sweep().requeued_parts == 1  # Redis lost it (restarted): enqueued again
    assert JobPart.objects.get(pk=part.pk).enqueued_at > timezone.now() - timedelta(seconds=5)
