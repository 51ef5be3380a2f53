"""Running one part of a job (one store), resumably: what a worker's task calls.

How a part resumes (the promise: no row missing, no row twice):

1. The task claims the part: a lease in the database (holder = host:pid, renewed after
   every page). A second copy of the task (a redelivered message while the first still
   runs) finds the lease held and retries later; a lease whose holder's process is
   gone, or that ran out, is taken over.
2. The part's intermediate file is cut back to the byte offset saved with the cursor,
   so bytes of a page whose progress was never saved disappear (`exports`).
3. Each page: fetch with the saved cursor, append its rows, fsync, then save cursor,
   rows, pages and the new byte offset in one transaction (only while still holding
   the lease). A kill between the append and the save redoes exactly that page.
4. When every part of an export is done, the assembly step makes the file (`assembly`);
   a bulk job is finished here.

The runner never enqueues anything itself: the task passes `enqueue_assembly`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from storeapi.client import StoreClient
from storeapi.errors import StoreAPIError, UnexpectedResponse
from storeapi.models import Membership

from ..models import Job, JobPart
from .bulk import bulk_finish, bulk_items
from .exports import export_pages
from .leases import lease_holder, lease_live
from .platform import PlatformTooSlow
from .resources import required_perm
from .workfiles import remove_work_if_ended

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """The part should run again after `countdown` seconds (the task re-enqueues it)."""

    def __init__(self, countdown: float, reason: str = ""):
        super().__init__(reason)
        self.countdown = countdown


class _Stop(Exception):
    """The part stops quietly: cancelled, failed elsewhere, or its lease was lost."""


def _backoff(attempt: int) -> float:
    return float(min(60, 2 ** max(attempt, 1)))


def _retry_later(seconds: float) -> None:
    """What an export calls while the platform is still making its file."""
    raise RetryLater(seconds, "waiting for the platform's export")


def job_fail(*, job_id, message: str, part: JobPart | None = None) -> None:
    now = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job_id, status__in=Job.ACTIVE_STATUSES).update(
            status=Job.Status.FAILED, error=message[:2000], finished_at=now
        )
        if part is not None:
            JobPart.objects.filter(pk=part.pk).update(
                status=JobPart.Status.FAILED, error=message[:2000], lease_owner="", lease_until=None, finished_at=now
            )


def _claim(part_id: int, holder: str) -> JobPart | None:
    """Take the part's lease, or say why not. None: nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        part = JobPart.objects.select_for_update().select_related("job", "store").filter(pk=part_id).first()
        if part is None:
            return None
        job = part.job
        if job.status not in Job.ACTIVE_STATUSES or part.status not in (JobPart.Status.QUEUED, JobPart.Status.RUNNING):
            return None
        if part.lease_owner and part.lease_owner != holder and lease_live(part, now):
            raise RetryLater(max(1.0, (part.lease_until - now).total_seconds()), "another worker holds this part")
        part.attempts += 1
        if part.attempts > settings.JOB_MAX_ATTEMPTS:
            last = part.error or "the worker stopped while running it"
            job_fail(
                job_id=job.pk,
                part=part,
                message=f"{part.store.display_name}: stopped after {settings.JOB_MAX_ATTEMPTS} attempts "
                f"without progress ({last}).",
            )
            return None
        part.lease_owner = holder
        part.lease_until = now + timedelta(seconds=settings.JOB_LEASE_SECONDS)
        part.status = JobPart.Status.RUNNING
        part.enqueued_at = None
        part.started_at = part.started_at or now
        part.save(
            update_fields=[
                "attempts",
                "lease_owner",
                "lease_until",
                "status",
                "enqueued_at",
                "started_at",
                "updated_at",
            ]
        )
        Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING, started_at=now)
    return part


def _check_membership(part: JobPart) -> None:
    job = part.job
    if job.owner_id is None:  # the command line
        return
    membership = Membership.objects.filter(operator_id=job.owner_id, store=part.store).first()
    if membership is None or not job.owner.is_active:
        raise PermissionError(f"{job.owner} is no longer a member of {part.store.display_name}.")
    if not membership.allows(required_perm(job)):
        raise PermissionError(f"{job.owner}'s role in {part.store.display_name} no longer allows this.")


def _save_progress(part: JobPart, holder: str, on_page, *, also=None, **changes) -> None:
    """Save progress while holding the lease, renew it, and stop if the job ended.

    `also()` runs in the same transaction (only while the lease is still held);
    `on_page(part_id)`, if given, after it."""
    now = timezone.now()
    with transaction.atomic():
        updated = JobPart.objects.filter(pk=part.pk, lease_owner=holder).update(
            lease_until=now + timedelta(seconds=settings.JOB_LEASE_SECONDS), attempts=0, updated_at=now, **changes
        )
        if updated and also is not None:
            also()
        status = Job.objects.filter(pk=part.job_id).values_list("status", flat=True).first()
    if not updated:
        raise _Stop("lease lost")
    if status not in Job.ACTIVE_STATUSES:
        raise _Stop("job ended")
    if on_page is not None:
        on_page(part.pk)


def part_run(*, part_id: int, on_page=None, enqueue_assembly: Callable[..., None] | None = None) -> str:
    """Run (or resume) one part. Returns what happened; raises RetryLater.

    `on_page(part_id)` is called after each saved page or item. When the part is the
    last of an export to finish, `enqueue_assembly(job_id=...)` is called once that is
    committed (the task passes `dashboard.tasks.assembly_enqueue`); without it the
    caller assembles (the command line)."""
    holder = lease_holder()
    part = _claim(part_id, holder)
    if part is None:
        return "nothing to do"
    try:
        _check_membership(part)
        client = StoreClient.for_store(part.store, priority="bulk")
        # What the steps below call after each page or item: progress saved under this lease.
        save = partial(_save_progress, part, holder, on_page)
        if part.job.kind == Job.Kind.EXPORT:
            export_pages(part, client, save, _retry_later)
        else:
            bulk_items(part, client, save)
    except PermissionError as exc:
        job_fail(job_id=part.job_id, part=part, message=str(exc))
        return "failed"
    except PlatformTooSlow as exc:
        job_fail(job_id=part.job_id, part=part, message=f"{part.store.display_name}: {exc}")
        return "failed"
    except RetryLater:
        # Waiting for the platform is not a failure: the attempts start over.
        _release(part, holder, attempts=0)
        raise
    except _Stop as exc:
        _release(part, holder, status=JobPart.Status.CANCELLED)
        remove_work_if_ended(part.job_id)
        return str(exc)
    except StoreAPIError as exc:
        # A garbled answer is worth another try too; the attempts bound a crash loop.
        if exc.retryable or isinstance(exc, UnexpectedResponse):
            _release(part, holder, error=exc.user_message)
            raise RetryLater(_backoff(part.attempts), exc.user_message) from exc
        job_fail(job_id=part.job_id, part=part, message=f"{part.store.display_name}: {exc.user_message}")
        return "failed"
    except Exception as exc:
        logger.exception("Job part %s failed unexpectedly", part_id)
        _release(part, holder, error=f"an internal error ({type(exc).__name__})")
        raise RetryLater(_backoff(part.attempts), type(exc).__name__) from exc
    _part_done(part, holder, enqueue_assembly=enqueue_assembly)
    return "done"


def _release(part: JobPart, holder: str, *, error: str = "", status: str | None = None, **more) -> None:
    changes = {"lease_owner": "", "lease_until": None, **more}
    if error:
        changes["error"] = error[:2000]
    if status:
        changes["status"] = status
    JobPart.objects.filter(pk=part.pk, lease_owner=holder).update(**changes)


def _part_done(part: JobPart, holder: str, *, enqueue_assembly: Callable[..., None] | None) -> None:
    now = timezone.now()
    with transaction.atomic():
        JobPart.objects.filter(pk=part.pk, lease_owner=holder).update(
            status=JobPart.Status.DONE, lease_owner="", lease_until=None, finished_at=now, error=""
        )
        job = Job.objects.select_for_update().get(pk=part.job_id)
        if job.status != Job.Status.RUNNING or job.parts.exclude(status=JobPart.Status.DONE).exists():
            return
        if job.kind == Job.Kind.EXPORT:
            if enqueue_assembly is not None:
                transaction.on_commit(lambda: enqueue_assembly(job_id=job.pk))
        else:
            bulk_finish(job)
