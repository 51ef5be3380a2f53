"""Assembling an export from the per-store intermediate files, in this process and
without a store."""

import csv

import openpyxl
import pytest
from django.utils import timezone

from dashboard.jobs import columns as cols
from dashboard.jobs import writers
from dashboard.jobs.assembly import job_assemble
from dashboard.jobs.create import job_export_create
from dashboard.jobs.workfiles import part_path, work_dir
from dashboard.jobs.writers import PartFile
from dashboard.models import Job, JobPart
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory

pytestmark = pytest.mark.usefixtures("job_files")


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
def test_assembly_joins_the_stores_in_order_up_to_their_saved_offsets(db, fmt, django_capture_on_commit_callbacks):
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


def test_assembly_waits_for_every_part(db):
    acme, bergmann = StoreFactory(), StoreFactory()
    job = running_export(None, [acme, bergmann], "csv", {acme.subdomain: [order(1)], bergmann.subdomain: []})
    JobPart.objects.filter(job=job, store=bergmann).update(status=JobPart.Status.RUNNING)
    assert job_assemble(job_id=job.pk) == "parts still running"
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


def test_an_xlsx_export_over_a_sheets_capacity_counts_every_row_across_sheets(db, monkeypatch):
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
