"""Assembling an export from the per-store intermediate files, without a store: in
this process, and by the real worker while this process watches it.

To catch the worker in the middle of building a file, one store's intermediate file is
a named pipe (FIFO): the assembler blocks reading it until this process closes its end.
"""

import csv
import errno
import os
import socket
import time
import uuid
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from dashboard import tasks
from dashboard.jobs import columns as cols
from dashboard.jobs import writers
from dashboard.jobs.assembly import job_assemble
from dashboard.jobs.create import job_export_create
from dashboard.jobs.leases import lease_holder
from dashboard.jobs.workfiles import part_path, work_dir
from dashboard.jobs.writers import PartFile
from dashboard.models import Job, JobPart
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory

from .conftest import read_csv, sweep, wait_for

DEAD_PID = 2**22 + 12345  # above Linux's default pid_max


def order(number, total="10.00"):
    return {"number": str(number), "date_placed": "2026-01-02T12:00:00Z", "currency": "USD", "total_incl_tax": total}


def running_export(owner, stores, fmt, orders_by_store):
    job, _ = job_export_create(owner=owner, stores=stores, fmt=fmt)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    columns = cols.columns_for(job.resource, job.columns)
    for part in job.parts.select_related("store"):
        with PartFile(part_path(part)) as out:
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
def test_assembly_joins_the_stores_in_order_up_to_their_saved_offsets(
    db, job_files, fmt, django_capture_on_commit_callbacks
):
    acme = StoreFactory(subdomain="acme", timezone="America/New_York")
    siam = StoreFactory(subdomain="siam", timezone="Asia/Bangkok", currency="THB")
    owner = MembershipFactory(store=acme, role=Role.MANAGER).operator
    job = running_export(owner, [acme, siam], fmt, {"acme": [order(3), order(2)], "siam": [order(9, "1.50")]})
    with django_capture_on_commit_callbacks(execute=True):
        assert job_assemble(job_id=job.pk) == "finished"
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED and job.rows_total == 3 and job.expires_at > timezone.now()
    assert job.file_name.startswith("orders-acme-siam-") and job.file_name.endswith(f".{fmt}")
    with job.file.open("rb") as fh:
        data = fh.read()
    if fmt == "csv":
        rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    else:
        path = work_dir(job.pk).parent / "check.xlsx"
        path.write_bytes(data)
        rows = [[c for c in r] for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [(r["store"], r["order number"]) for r in body] == [("acme", "3"), ("acme", "2"), ("siam", "9")]
    assert str(body[0]["date placed"]).startswith("2026-01-02 07:00:00")  # New York
    assert str(body[2]["date placed"]).startswith("2026-01-02 19:00:00")  # Bangkok
    assert not work_dir(job.pk).exists()  # intermediates removed
    # A second assembly (a redelivered message) changes nothing.
    name = job.file.name
    assert job_assemble(job_id=job.pk) == "nothing to do"
    job.refresh_from_db()
    assert job.file.name == name


def test_assembly_waits_for_every_part(db, job_files):
    acme, bergmann = StoreFactory(), StoreFactory()
    job = running_export(None, [acme, bergmann], "csv", {acme.subdomain: [order(1)], bergmann.subdomain: []})
    JobPart.objects.filter(job=job, store=bergmann).update(status=JobPart.Status.RUNNING)
    assert job_assemble(job_id=job.pk) == "parts still running"
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


def test_an_xlsx_export_over_a_sheets_capacity_counts_every_row_across_sheets(db, job_files, monkeypatch):
    monkeypatch.setattr(writers, "XLSX_ROWS_PER_SHEET", 2)
    acme, siam = StoreFactory(subdomain="acme"), StoreFactory(subdomain="siam")
    job = running_export(None, [acme, siam], "xlsx", {"acme": [order(3), order(2)], "siam": [order(9), order(8)]})
    assert job_assemble(job_id=job.pk) == "finished"
    job.refresh_from_db()
    path = work_dir(job.pk).parent / "check.xlsx"
    with job.file.open("rb") as fh:
        path.write_bytes(fh.read())
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Orders", "Orders (2)"]
    numbers = []
    for sheet in workbook.worksheets:
        header, *body = list(sheet.iter_rows(values_only=True))
        numbers += [(r[header.index("store")], r[header.index("order number")]) for r in body]
    assert numbers == [("acme", "3"), ("acme", "2"), ("siam", "9"), ("siam", "8")]
    assert job.rows_total == len(numbers) == 4


# --- the assembly's claim: no lock held while the file is built -------------------------------


def test_a_dead_assemblers_claim_is_taken_over(db, job_files):
    acme = StoreFactory(subdomain="acme")
    job = running_export(None, [acme], "csv", {"acme": [order(1)]})
    # Claimed by a live process, not run out: another assembly leaves it alone.
    Job.objects.filter(pk=job.pk).update(
        assembly_owner=lease_holder(), assembly_claim=uuid.uuid4(), assembly_until=timezone.now() + timedelta(minutes=5)
    )
    assert job_assemble(job_id=job.pk) == "already being assembled"
    # Claimed by a process of this machine that is gone: taken over at once.
    Job.objects.filter(pk=job.pk).update(assembly_owner=f"{socket.gethostname()}:{DEAD_PID}")
    assert job_assemble(job_id=job.pk) == "finished"
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED and job.rows_total == 1
    assert (job.assembly_owner, job.assembly_claim, job.assembly_until) == ("", None, None)


def test_a_claim_that_ran_out_is_taken_over(db, job_files):
    acme = StoreFactory(subdomain="acme")
    job = running_export(None, [acme], "csv", {"acme": [order(1), order(2)]})
    # Its holder may live (on another machine, or stuck): the claim's time is what counts.
    Job.objects.filter(pk=job.pk).update(
        assembly_owner="elsewhere:1", assembly_claim=uuid.uuid4(), assembly_until=timezone.now() - timedelta(seconds=1)
    )
    assert job_assemble(job_id=job.pk) == "finished"
    assert Job.objects.get(pk=job.pk).rows_total == 2


def fifo_part(job, store) -> Path:
    """Make `store`'s intermediate file a named pipe, empty as far as the job knows."""
    part = job.parts.get(store=store)
    path = part_path(part)
    path.unlink()
    os.mkfifo(path)
    JobPart.objects.filter(pk=part.pk).update(byte_offset=0, rows_written=0)
    return path


def writer_end(path: Path, worker, timeout=60) -> int:
    """This process's end of the pipe, once the worker's assembly opened it to read:
    from then on that assembly is mid-build, waiting, until the end is closed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: nobody reads it yet
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker's assembly did not start after {timeout} s\n{worker.log()[-3000:]}")
        time.sleep(0.05)


def row_unlocked(job) -> bool:
    """Whether another connection can lock the job's row right now (without waiting)."""
    with transaction.atomic():
        return Job.objects.select_for_update(nowait=True).filter(pk=job.pk).exists()


def test_an_assembly_building_the_file_holds_no_lock_and_is_left_alone(celery_worker):
    acme, bergmann = StoreFactory(subdomain="acme"), StoreFactory(subdomain="bergmann")
    job = running_export(None, [acme, bergmann], "csv", {"acme": [order(3), order(2)], "bergmann": []})
    pipe = fifo_part(job, bergmann)
    end = None
    try:
        tasks.assembly_enqueue(job_id=job.pk)
        end = writer_end(pipe, celery_worker)
        # The worker is building the file: the job's row is not locked ...
        assert row_unlocked(job)
        job.refresh_from_db()
        assert job.assembly_owner and job.assembly_until > timezone.now() and not job.file
        # ... a second assembly (a redelivered message, the sweep's) returns at once ...
        assert job_assemble(job_id=job.pk) == "already being assembled"
        # ... and the sweep sends none while the claim is alive.
        assert sweep().assemblies == 0
    finally:
        if end is not None:
            os.close(end)  # the end of the "file": the worker's assembly goes on
        pipe.unlink(missing_ok=True)
    job = wait_for(job, worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    assert [(r["store"], r["order number"]) for r in read_csv(job)] == [("acme", "3"), ("acme", "2")]
    assert job.rows_total == 2 and job.assembly_claim is None


def test_a_stale_assembly_is_taken_over_and_the_first_then_changes_nothing(celery_worker):
    acme, bergmann = StoreFactory(subdomain="acme"), StoreFactory(subdomain="bergmann")
    job = running_export(None, [acme, bergmann], "csv", {"acme": [order(3)], "bergmann": []})
    pipe = fifo_part(job, bergmann)
    end = None
    try:
        first = tasks.job_assemble.delay(str(job.pk))
        end = writer_end(pipe, celery_worker)
        assert row_unlocked(job)  # (else the assembly below would wait for the worker's)
        assert Job.objects.get(pk=job.pk).assembly_claim is not None
        # The worker's claim runs out while it is still building (it looks stuck).
        Job.objects.filter(pk=job.pk).update(assembly_until=timezone.now() - timedelta(seconds=1))
        pipe.unlink()
        pipe.write_bytes(b"")  # what this process's assembly reads for bergmann
        assert job_assemble(job_id=job.pk) == "finished"
        job.refresh_from_db()
        finished = (job.file.name, job.finished_at, job.rows_total)
        assert job.status == Job.Status.FINISHED and job.assembly_claim is None
    finally:
        if end is not None:
            os.close(end)  # the worker's assembly resumes, and finds its claim lost
    deadline = time.monotonic() + 60
    while f"job_assemble[{first.id}] succeeded" not in celery_worker.log():
        assert time.monotonic() < deadline, celery_worker.log()[-3000:]
        time.sleep(0.05)
    answer = next(line for line in celery_worker.log().splitlines() if f"[{first.id}] succeeded" in line)
    assert answer.endswith(": 'claim lost'")
    job.refresh_from_db()
    assert (job.file.name, job.finished_at, job.rows_total) == finished  # finished once, by the taker
    assert [(r["store"], r["order number"]) for r in read_csv(job)] == [("acme", "3")]
    _, files = default_storage.listdir(f"exports/{job.pk}")
    assert files == [Path(job.file.name).name]  # the first one's upload was removed
