"""Ended jobs are announced once: shown to their owner (in the notice area of a page,
or in the jobs list), they are marked as seen. The reads are in `selectors`."""

from __future__ import annotations

from django.utils import timezone

from ..models import Job
from .selectors import job_notices


def jobs_mark_notified(jobs) -> None:
    """The ended jobs among `jobs` were shown to their owner (in the notice area or the
    jobs list): no "your job finished" notice for them later."""
    ended = [j.pk for j in jobs if j.status in (Job.Status.FINISHED, Job.Status.FAILED) and not j.notified_at]
    if ended:
        Job.objects.filter(pk__in=ended).update(notified_at=timezone.now())


def job_notices_take(*, operator, exclude=None) -> dict:
    """Like `selectors.job_notices`, and the ended jobs count as shown from now on."""
    notices = job_notices(operator=operator, exclude=exclude)
    jobs_mark_notified(notices["ended"])
    return notices
