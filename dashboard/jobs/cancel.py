"""Cancelling a job: its owner stops it; its parts stop after the page in flight."""

from __future__ import annotations

from django.utils import timezone

from ..audit import audit_record
from ..models import Job


def job_cancel(*, job: Job, operator) -> bool:
    """Cancel a queued or running job; its tasks stop after the page in flight."""
    now = timezone.now()
    cancelled = Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE_STATUSES).update(
        status=Job.Status.CANCELLED, finished_at=now, notified_at=now
    )
    if cancelled:
        for part in job.parts.select_related("store"):
            audit_record(
                operator=operator,
                store=part.store,
                action=f"{job.kind}.cancelled",
                object_type="job",
                object_id=job.pk,
                summary=f"Cancelled {job.get_kind_display().lower()}",
            )
    return bool(cancelled)
