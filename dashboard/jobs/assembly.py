"""Assembling an export: when every part is done, one step streams the parts'
intermediate files into the final CSV or XLSX under a temporary name and saves it
through the storage API. The job gets its file only once the file is complete, and a
second assembly (a redelivered message, the sweep's) changes nothing.

No database lock is held while the file is built and stored, which can take minutes:

1. Claim, in one short transaction: the job is running and has no file, every part is
   done with its intermediate file here, and no other assembly's claim counts. The job
   records this assembly's claim (`Job.assembly_owner` host:pid, `assembly_claim` its
   own id, `assembly_until`, JOB_LEASE_SECONDS ahead). A claim counts like a part's
   lease (`leases.held`): until it runs out, or at once when its holder's process on
   this machine is gone (a killed worker).
2. Build, outside any transaction: the rows into a temporary file, the claim renewed
   as the rows go (a claim taken over meanwhile stops the build); then the file is
   saved through the storage API under a new name nothing refers to yet.
3. Finish, in a second short transaction, only if the claim is still this one: the
   job gets its file and is finished. Otherwise (taken over, cancelled) the saved file
   is deleted and the job is left as it is: a job is finished once, with a complete file.
"""

from __future__ import annotations

import contextlib
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ..models import Job, JobPart
from . import columns as cols
from . import platform
from .leases import held, lease_holder
from .workfiles import part_path, remove_work_if_ended, work_dir
from .writers import XlsxCellRefused, read_rows, write_csv, write_xlsx

# While building, the claim is renewed once a third of it has passed, checked every
# this many rows (a clock read per row would cost more than it saves).
RENEW_CHECK_ROWS = 1000


def export_file_name(job: Job, stores: list) -> str:
    """`orders-acme-2026-11-26.csv`: built from validated subdomains only."""
    what = "order-lines" if job.resource == Job.Resource.ORDER_LINES else "orders"
    names = "-".join(s.subdomain for s in stores) if len(stores) <= 3 else f"{len(stores)}-stores"
    day = timezone.localdate(job.created_at)
    return f"{what}-{names}-{day.isoformat()}.{job.format}"


@dataclass
class _Claim:
    job: Job
    parts: list[JobPart]
    token: uuid.UUID


class _ClaimLost(Exception):
    """Another assembly took the claim over, or the job ended, while this one built."""


def job_assemble(*, job_id, enqueue_part: Callable[..., None] | None = None) -> str:
    """Build the final file and attach it to the job, under a claim (see the module's
    docstring). Idempotent. Returns what happened: "finished", "already being
    assembled", "parts still running", "part restarted", "nothing to do", "claim lost"
    (taken over or ended while building: nothing changed) or "failed".

    A part whose file is not on this machine is run again: `enqueue_part(part=...)` is
    called once that is committed (the task passes `dashboard.tasks.part_enqueue`);
    without it the part waits, queued, for the sweep."""
    claim = _assembly_claim(job_id, enqueue_part)
    if isinstance(claim, str):
        return claim
    final = work_dir(claim.job.pk) / f"final-{claim.token.hex}.{claim.job.format}"
    stored = None
    try:
        count = _build(claim, final)
        _claim_renew(claim)  # still ours before the upload
        with open(final, "rb") as fh:
            stored = default_storage.save(f"exports/{claim.job.pk}/{uuid.uuid4().hex}.{claim.job.format}", File(fh))
        if not _assembly_finish(claim, stored=stored, size=final.stat().st_size, count=count):
            raise _ClaimLost
    except _ClaimLost:
        _discard(final, stored)
        remove_work_if_ended(claim.job.pk)
        return "claim lost"
    except XlsxCellRefused as exc:
        _discard(final, stored)
        _assembly_fail(claim, f"The file could not be written: {exc}")
        return "failed"
    except BaseException as exc:
        _discard(final, stored)
        if _assembly_release(claim) or not isinstance(exc, Exception):
            raise  # the task fails; the sweep (or a redelivery) assembles again
        remove_work_if_ended(claim.job.pk)
        return "claim lost"  # whatever failed, another assembly or the job's end made it moot
    return "finished"


def _assembly_claim(job_id, enqueue_part) -> _Claim | str:
    """Claim the job's assembly in one short transaction, or say why not."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Job.Status.RUNNING or job.file:
            return "nothing to do"
        if held(job.assembly_owner, job.assembly_until, now):
            return "already being assembled"
        parts = list(job.parts.select_related("store").order_by("position"))
        if any(p.status != JobPart.Status.DONE for p in parts):
            return "parts still running"
        for part in parts:
            path = part_path(part)
            if not path.exists() or path.stat().st_size < part.byte_offset:
                # Written on a machine we cannot see: run that store again.
                JobPart.objects.filter(pk=part.pk).update(
                    status=JobPart.Status.QUEUED, cursor="", pages_done=0, rows_written=0, byte_offset=0, attempts=0
                )
                if enqueue_part is not None:
                    transaction.on_commit(lambda p=part: enqueue_part(part=p))
                return "part restarted"
        job.assembly_owner = lease_holder()
        job.assembly_claim = uuid.uuid4()
        job.assembly_until = now + timedelta(seconds=settings.JOB_LEASE_SECONDS)
        job.save(update_fields=["assembly_owner", "assembly_claim", "assembly_until"])
    return _Claim(job=job, parts=parts, token=job.assembly_claim)


def _build(claim: _Claim, final: Path) -> int:
    """Write the parts' rows into `final` (no transaction); the rows written."""
    job, parts = claim.job, claim.parts
    if job.source == Job.Source.PLATFORM:
        header = next((p.platform_state["header"] for p in parts if p.platform_state.get("header")), [])
        columns = platform.platform_columns(header)
    else:
        columns = cols.columns_for(job.resource, job.columns)
    rows = _renewing(claim, chain.from_iterable(read_rows(part_path(p), p.byte_offset) for p in parts))
    if job.format == Job.Format.XLSX:
        return write_xlsx(final, columns, rows, sheet=job.get_resource_display())
    return write_csv(final, columns, rows)


def _renewing(claim: _Claim, rows: Iterable[list]) -> Iterator[list]:
    """The rows, renewing the claim as they go (raises _ClaimLost once it is not ours)."""
    renewed = time.monotonic()
    for count, row in enumerate(rows, start=1):
        if count % RENEW_CHECK_ROWS == 0 and time.monotonic() - renewed > settings.JOB_LEASE_SECONDS / 3:
            _claim_renew(claim)
            renewed = time.monotonic()
        yield row


def _claim_renew(claim: _Claim) -> None:
    until = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)
    renewed = Job.objects.filter(pk=claim.job.pk, assembly_claim=claim.token, status=Job.Status.RUNNING).update(
        assembly_until=until
    )
    if not renewed:
        raise _ClaimLost


def _assembly_finish(claim: _Claim, *, stored: str, size: int, count: int) -> bool:
    """Give the job its file, in one short transaction, if the claim is still ours."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=claim.job.pk).first()
        if job is None or job.assembly_claim != claim.token or job.status != Job.Status.RUNNING or job.file:
            return False
        job.file.name = stored
        job.file_name = export_file_name(job, [p.store for p in claim.parts])
        job.file_size = size
        job.rows_total = count
        job.status = Job.Status.FINISHED
        job.finished_at = now
        job.expires_at = now + timedelta(days=settings.EXPORT_RETENTION_DAYS)
        job.assembly_owner, job.assembly_claim, job.assembly_until = "", None, None
        job.save(
            update_fields=[
                "file",
                "file_name",
                "file_size",
                "rows_total",
                "status",
                "finished_at",
                "expires_at",
                "assembly_owner",
                "assembly_claim",
                "assembly_until",
            ]
        )
        transaction.on_commit(lambda: shutil.rmtree(work_dir(job.pk), ignore_errors=True))
    return True


def _assembly_release(claim: _Claim) -> bool:
    """Give the claim up after a failure; whether it was still ours, on a running job."""
    released = Job.objects.filter(pk=claim.job.pk, assembly_claim=claim.token).update(
        assembly_owner="", assembly_claim=None, assembly_until=None
    )
    return bool(released) and Job.objects.filter(pk=claim.job.pk, status=Job.Status.RUNNING).exists()


def _assembly_fail(claim: _Claim, message: str) -> None:
    """A failure that another try would repeat: the job fails (if the claim is ours)."""
    Job.objects.filter(pk=claim.job.pk, assembly_claim=claim.token, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED,
        error=message[:2000],
        finished_at=timezone.now(),
        assembly_owner="",
        assembly_claim=None,
        assembly_until=None,
    )
    remove_work_if_ended(claim.job.pk)


def _discard(final: Path, stored: str | None) -> None:
    """Remove what a build that does not count left behind."""
    final.unlink(missing_ok=True)
    if stored:
        with contextlib.suppress(OSError):
            default_storage.delete(stored)
