"""Celery tasks of the dashboard: thin wrappers that take ids and call a service.

Settings that make these safe (config/settings.py): JSON only, `acks_late` with
`task_reject_on_worker_lost` (a killed worker's message is delivered again), prefetch
1, time limits. Every task is idempotent: a part runs under a lease and resumes from
its saved cursor; assembly does nothing for a job that already has its file.
"""

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from .jobs import services
from .models import JobPart


@shared_task(bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)
def job_part_run(self, part_id: int) -> str:
    try:
        return services.part_run(part_id=part_id)
    except services.RetryLater as exc:
        # Bounded by the part's attempts in the database, not by Celery.
        JobPart.objects.filter(pk=part_id).update(enqueued_at=timezone.now())
        raise self.retry(countdown=exc.countdown, exc=None) from None
    except DatabaseError as exc:
        # The database was briefly unavailable or busy before the part could be claimed.
        raise self.retry(countdown=5, exc=exc, max_retries=20) from exc


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def job_assemble(self, job_id: str) -> str:
    try:
        return services.job_assemble(job_id=job_id)
    except DatabaseError as exc:
        raise self.retry(countdown=5, exc=exc, max_retries=20) from exc


@shared_task
def jobs_sweep() -> dict:
    result = services.jobs_sweep()
    return {"requeued_parts": result.requeued_parts, "assemblies": result.assemblies}


@shared_task
def jobs_expire_files() -> int:
    return services.jobs_expire_files()
