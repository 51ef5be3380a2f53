"""What Celery beat runs (see dashboard.tasks): find work whose task message was lost,
and delete export files past their retention."""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from ..models import Job, JobPart
from .leases import held, lease_live

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    requeued_parts: int = 0
    assemblies: int = 0


def jobs_sweep(*, enqueue_part: Callable[..., None], enqueue_assembly: Callable[..., None]) -> SweepResult:
    """Find work whose task message was lost (Redis restarted, a worker killed) and
    enqueue it again with `enqueue_part(part=...)` and `enqueue_assembly(job_id=...)`
    (`dashboard.tasks` passes its own). Extra messages are harmless: a part runs under
    its lease, an assembly under its claim; an export whose assembly's claim is alive
    is left alone (one whose assembler died is assembled again)."""
    now = timezone.now()
    result = SweepResult()
    stale_enqueue = now - timedelta(seconds=settings.JOB_REQUEUE_AFTER_SECONDS)
    parts = JobPart.objects.filter(
        job__status__in=Job.ACTIVE_STATUSES, status__in=[JobPart.Status.QUEUED, JobPart.Status.RUNNING]
    )
    for part in parts:
        if lease_live(part, now):
            continue
        if part.enqueued_at is not None and part.enqueued_at > stale_enqueue:
            continue
        enqueue_part(part=part)
        result.requeued_parts += 1
    for job in Job.objects.filter(status=Job.Status.RUNNING, kind=Job.Kind.EXPORT, file=""):
        if held(job.assembly_owner, job.assembly_until, now):
            continue  # being assembled: its claim is alive
        if not job.parts.exclude(status=JobPart.Status.DONE).exists():
            enqueue_assembly(job_id=job.pk)
            result.assemblies += 1
    return result


def jobs_expire_files(*, now=None) -> int:
    """Delete export files past their retention and mark those jobs expired."""
    now = now or timezone.now()
    expired = 0
    for job in Job.objects.filter(status=Job.Status.FINISHED, expires_at__lte=now):
        if job.file:
            try:
                default_storage.delete(job.file.name)
            except OSError:
                logger.warning("Could not delete %s", job.file.name)
                continue
        Job.objects.filter(pk=job.pk, status=Job.Status.FINISHED).update(status=Job.Status.EXPIRED, file="")
        expired += 1
    # Intermediate files of jobs that ended a while ago (failed, cancelled).
    root = Path(settings.EXPORT_WORK_DIR)
    if root.is_dir():
        cutoff = now - timedelta(days=1)
        for child in root.iterdir():
            try:
                job_id = uuid.UUID(child.name)
            except ValueError:
                continue
            job = Job.objects.filter(pk=job_id).only("status", "finished_at").first()
            if job is None or (job.status not in Job.ACTIVE_STATUSES and (job.finished_at or now) < cutoff):
                shutil.rmtree(child, ignore_errors=True)
    return expired
