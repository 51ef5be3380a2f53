"""Running a whole job in this process, with the same code as the Celery tasks: the
command line (`manage.py export_orders`) and the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..models import Job
from .assembly import job_assemble
from .runner import RetryLater, part_run


def job_run_here(*, job: Job, on_page=None, enqueue_part: Callable[..., None] | None = None) -> Job:
    """Run every part and the assembly in this process, with the same code as the
    Celery tasks. `on_page(part_id)` is called after every saved page; `enqueue_part`
    is what the assembly calls for a part it must run again (see `job_assemble`)."""
    for part in job.parts.order_by("position"):
        while True:
            try:
                part_run(part_id=part.pk, on_page=on_page)
            except RetryLater as exc:
                time.sleep(exc.countdown)
                continue
            break
    job.refresh_from_db()
    if job.kind == Job.Kind.EXPORT and job.status == Job.Status.RUNNING:
        job_assemble(job_id=job.pk, enqueue_part=enqueue_part)
        job.refresh_from_db()
    return job
