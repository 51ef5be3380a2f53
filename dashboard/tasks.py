"""Celery tasks of the dashboard: thin wrappers that take ids and call a service.

Settings that make these safe (config/settings.py): JSON only, `acks_late` with
`task_reject_on_worker_lost` (a killed worker's message is delivered again), prefetch
1, time limits. Every task is idempotent: a part runs under a lease and resumes from
its saved cursor; an assembly runs under a claim (no lock held while it builds) and
does nothing for a job that already has its file or is being assembled.

This module is the only one that sends work to the workers. The job services never
import it: they take what to enqueue as an argument (`part_enqueue`, `job_enqueue`,
`assembly_enqueue` below), which views, commands and the tasks themselves pass.
"""

import logging

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from .jobs import assembly, maintenance, runner
from .models import Job, JobPart
from .services import export_schedules

logger = logging.getLogger(__name__)


def part_enqueue(*, part: JobPart, countdown: float | None = None) -> None:
    """Send one part to the workers; `enqueued_at` tells the sweep its message is on its way."""
    JobPart.objects.filter(pk=part.pk).update(enqueued_at=timezone.now())
    job_part_run.apply_async(args=[part.pk], countdown=countdown)


def job_enqueue(*, job: Job) -> None:
    """Send the job's queued parts to the workers (what a new job's creator passes)."""
    for part in job.parts.filter(status=JobPart.Status.QUEUED):
        part_enqueue(part=part)


def assembly_enqueue(*, job_id) -> None:
    job_assemble.delay(str(job_id))


@shared_task(bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)
def job_part_run(self, part_id: int) -> str:
    try:
        return runner.part_run(part_id=part_id, enqueue_assembly=assembly_enqueue)
    except runner.RetryLater as exc:
        # Bounded by the part's attempts in the database, not by Celery.
        JobPart.objects.filter(pk=part_id).update(enqueued_at=timezone.now())
        raise self.retry(countdown=exc.countdown, exc=None) from None
    except DatabaseError as exc:
        # The database was briefly unavailable or busy before the part could be claimed.
        raise self.retry(countdown=5, exc=exc, max_retries=20) from exc


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def job_assemble(self, job_id: str) -> str:
    try:
        outcome = assembly.job_assemble(job_id=job_id, enqueue_part=part_enqueue)
    except DatabaseError as exc:
        raise self.retry(countdown=5, exc=exc, max_retries=20) from exc
    if outcome in ("finished", "failed"):
        # A scheduled export's e-mail at once. If the mail server refuses it, the run stays
        # unannounced and beat's next tick tries again: the job itself is done either way.
        try:
            export_schedules.export_run_notify_for_job(job_id=job_id)
        except Exception:
            logger.exception("Could not e-mail the outcome of scheduled export job %s", job_id)
    return outcome


@shared_task
def jobs_sweep() -> dict:
    result = maintenance.jobs_sweep(enqueue_part=part_enqueue, enqueue_assembly=assembly_enqueue)
    return {"requeued_parts": result.requeued_parts, "assemblies": result.assemblies}


@shared_task
def jobs_expire_files() -> int:
    return maintenance.jobs_expire_files()


@shared_task
def export_schedules_tick() -> dict:
    """Beat, every few minutes: e-mail the outcome of ended scheduled runs, then start
    the schedules that are due (each claimed once, whatever runs concurrently)."""
    notified = export_schedules.export_runs_notify()
    runs = export_schedules.schedules_run_due(enqueue=job_enqueue)
    notified += export_schedules.export_runs_notify()  # runs refused just now
    return {"started": len(runs), "notified": notified}
