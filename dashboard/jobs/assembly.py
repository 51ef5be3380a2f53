"""Assembling an export: when every part is done, one step streams the parts'
intermediate files into the final CSV or XLSX under a temporary name and saves it
through the storage API. The job gets its file only once the file is complete, and a
second assembly (a redelivered message) changes nothing.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import timedelta
from itertools import chain

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ..models import Job, JobPart
from . import columns as cols
from . import platform
from .workfiles import part_path, work_dir
from .writers import read_rows, write_csv, write_xlsx


def export_file_name(job: Job, stores: list) -> str:
    """`orders-acme-2026-11-26.csv`: built from validated subdomains only."""
    what = "order-lines" if job.resource == Job.Resource.ORDER_LINES else "orders"
    names = "-".join(s.subdomain for s in stores) if len(stores) <= 3 else f"{len(stores)}-stores"
    day = timezone.localdate(job.created_at)
    return f"{what}-{names}-{day.isoformat()}.{job.format}"


def job_assemble(*, job_id, enqueue_part: Callable[..., None] | None = None) -> str:
    """Stream every part into the final file and attach it to the job. Idempotent.

    A part whose file is not on this machine is run again: `enqueue_part(part=...)` is
    called once that is committed (the task passes `dashboard.tasks.part_enqueue`);
    without it the part waits, queued, for the sweep."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Job.Status.RUNNING or job.file:
            return "nothing to do"
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
        if job.source == Job.Source.PLATFORM:
            header = next((p.platform_state["header"] for p in parts if p.platform_state.get("header")), [])
            columns = platform.platform_columns(header)
        else:
            columns = cols.columns_for(job.resource, job.columns)
        rows = chain.from_iterable(read_rows(part_path(p), p.byte_offset) for p in parts)
        final = work_dir(job.pk) / f"final-{uuid.uuid4().hex}.{job.format}"
        if job.format == Job.Format.XLSX:
            count = write_xlsx(final, columns, rows, sheet=job.get_resource_display())
        else:
            count = write_csv(final, columns, rows)
        with open(final, "rb") as fh:
            name = default_storage.save(f"exports/{job.pk}/{uuid.uuid4().hex}.{job.format}", File(fh))
        now = timezone.now()
        job.file.name = name
        job.file_name = export_file_name(job, [p.store for p in parts])
        job.file_size = final.stat().st_size
        job.rows_total = count
        job.status = Job.Status.FINISHED
        job.finished_at = now
        job.expires_at = now + timedelta(days=settings.EXPORT_RETENTION_DAYS)
        job.save()
        transaction.on_commit(lambda: shutil.rmtree(work_dir(job.pk), ignore_errors=True))
    return "finished"
