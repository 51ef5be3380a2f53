"""Fixtures of the job tests that run a real Celery worker (or the command line's
in-process runner) against the sandbox store over HTTP, with Redis and PostgreSQL.
Files are compared with the sandbox's own database.

    job = wait_for(start_export(client, manager, ["acme"]), worker=celery_worker)
    rows = read_csv(job)
"""

import csv
import io
import time
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from dashboard import tasks
from dashboard.jobs import maintenance
from dashboard.models import Job
from storeapi.models import Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

TIMEZONES = {"acme": "America/New_York", "bergmann": "Europe/Berlin", "siam": "Asia/Bangkok"}
CURRENCIES = {"acme": "USD", "bergmann": "EUR", "siam": "THB"}


@pytest.fixture
def stores(sandbox, transactional_db):
    result = {}
    for name in sandbox.stores:
        store = Store.objects.create(
            subdomain=name,
            name=name.title(),
            timezone=TIMEZONES[name],
            currency=CURRENCIES[name],
            status=Store.Status.CONNECTED,
        )
        store.set_tokens(access_token=sandbox.issue_token(name))
        store.save()
        result[name] = store
    return result


@pytest.fixture
def manager(stores):
    operator = OperatorFactory()
    for store in stores.values():
        MembershipFactory(operator=operator, store=store, role=Role.MANAGER)
    return operator


def wait_for(job, *, statuses=Job.DONE_STATUSES, timeout=120, worker=None):
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        if time.monotonic() > deadline:
            log = worker.log()[-4000:] if worker else ""
            raise AssertionError(f"job still {job.status} after {timeout} s; parts: {list(job.parts.values())}\n{log}")
        time.sleep(0.05)


def wait_for_pages(job, pages, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        done = sum(job.parts.values_list("pages_done", flat=True))
        if done >= pages:
            return done
        if time.monotonic() > deadline:
            raise AssertionError(f"only {done} pages after {timeout} s")
        time.sleep(0.02)


def read_csv(job):
    with job.file.open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def read_xlsx(job, tmp_path):
    path = tmp_path / "export.xlsx"
    with job.file.open("rb") as fh:
        path.write_bytes(fh.read())
    values = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def local(iso: str, tz: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def start_export(client, operator, stores, **fields):
    client.force_login(operator)
    data = {"resource": "orders", "format": "csv", **fields, "stores": stores}
    response = client.post(reverse("export_list"), data)
    assert response.status_code == 302, response.content[:2000]
    return Job.objects.filter(owner=operator).latest("created_at")


def orders_requests(sandbox, store):
    return [r for r in sandbox.request_log(store) if r["method"] == "GET" and r["path"].rstrip("/").endswith("/orders")]


def sweep():
    """The periodic sweep, enqueueing what it finds the way beat's task does."""
    return maintenance.jobs_sweep(enqueue_part=tasks.part_enqueue, enqueue_assembly=tasks.assembly_enqueue)
