"""Reads: the jobs an operator may see (the one access chokepoint for jobs), their
progress, and the notices of jobs that ended (marked as seen by `notices`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from storeapi.models import Membership
from storeapi.presence import store_operators_present
from storeapi.ratelimit import bulk_every
from storeapi.roles import Perm, role_allows

from ..models import Job, JobItem


def jobs_for_operator(*, operator):
    if not operator.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(owner=operator).prefetch_related("parts__store")


def job_for_operator(*, operator, job_id) -> Job:
    """The operator's own job, or 404 (another operator's job id is not revealed)."""
    job = jobs_for_operator(operator=operator).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such job.")
    return job


def job_for_member(*, operator, job_id) -> Job:
    """The operator's own job while they are still a member of every store in it, or
    404: a member removed from one of its stores gets the answer a stranger gets. The
    job's page, its status partial and its failures report go through this (they show
    what the job did in those stores); the download also needs the export permission
    in each of them (`job_download_allowed`)."""
    job = job_for_operator(operator=operator, job_id=job_id)
    if not job_member_allowed(job=job, operator=operator):
        raise Http404("No such job.")
    return job


def _roles(*, job: Job, operator) -> tuple[set[int], dict[int, str]]:
    """The stores of the job, and the operator's role in those of them they belong to."""
    store_ids = {p.store_id for p in job.parts.all()}
    roles = dict(Membership.objects.filter(operator=operator, store_id__in=store_ids).values_list("store", "role"))
    return store_ids, roles


def job_member_allowed(*, job: Job, operator) -> bool:
    """The owner, still a member of every store in the job (who may see what it did)."""
    store_ids, roles = _roles(job=job, operator=operator)
    return job.owner_id == operator.pk and operator.is_active and store_ids <= roles.keys()


def job_download_allowed(*, job: Job, operator) -> bool:
    """The owner, allowed to export from every store in the file *now*: an operator
    demoted from manager to agent since the export ran may no longer take its file
    (issue 11), though they still see the job."""
    store_ids, roles = _roles(job=job, operator=operator)
    return (
        job.owner_id == operator.pk
        and operator.is_active
        and store_ids <= roles.keys()
        and all(role_allows(roles[store_id], Perm.EXPORT_ORDERS) for store_id in store_ids)
    )


def jobs_downloadable(*, operator, jobs) -> set:
    """The ids of those of `jobs` (with their parts prefetched) whose file `operator`
    may download now: one query for the lot, for the jobs list's Download buttons."""
    roles = dict(Membership.objects.filter(operator=operator).values_list("store", "role"))
    return {
        job.pk
        for job in jobs
        if job.owner_id == operator.pk
        and operator.is_active
        and all(role_allows(roles.get(p.store_id, ""), Perm.EXPORT_ORDERS) for p in job.parts.all())
    }


def job_failures(*, job: Job):
    return JobItem.objects.filter(part__job=job, status=JobItem.Status.FAILED).select_related("part__store")


@dataclass
class Progress:
    rows: int
    pages: int
    items_total: int | None
    items_done: int
    items_failed: int
    rate: float | None  # rows or items per second
    seconds_left: float | None
    percent: int | None  # None: unknown (the platform gives no total)
    # While it runs: the most other operators working on one of its stores (they share
    # the store's rate limit with the job), and the job's guaranteed share of the slots.
    operators_sharing: int = 0
    share_one_in: int = 0

    @property
    def rate_label(self) -> str:
        return "—" if self.rate is None else f"{self.rate:,.1f}/s"

    @property
    def time_left_label(self) -> str:
        if self.seconds_left is None:
            return "unknown"
        seconds = int(self.seconds_left)
        if seconds < 60:
            return f"{seconds} s"
        return f"{seconds // 60} min {seconds % 60:02d} s"


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def _date_fraction(part, job) -> float | None:
    """How far an export has walked back from the newest order towards `date_placed_from`."""
    start = job.filters.get("date_placed_from")
    first, last = _parse(part.first_date), _parse(part.last_date)
    if not (start and first and last):
        return None
    try:
        start_day = date.fromisoformat(start)
    except ValueError:
        return None
    floor = datetime.combine(start_day, datetime.min.time(), tzinfo=first.tzinfo)
    span = (first - floor).total_seconds()
    if span <= 0:
        return None
    return min(1.0, max(0.0, (first - last).total_seconds() / span))


def job_progress(job: Job) -> Progress:
    parts = list(job.parts.all())
    rows = sum(p.rows_written for p in parts)
    pages = sum(p.pages_done for p in parts)
    done = sum(p.items_done for p in parts)
    failed = sum(p.items_failed for p in parts)
    totals = [p.items_total for p in parts]
    items_total = sum(totals) if all(t is not None for t in totals) and parts else None
    now = timezone.now()
    elapsed = ((job.finished_at or now) - job.started_at).total_seconds() if job.started_at else 0
    units = rows if job.kind == Job.Kind.EXPORT else done + failed
    rate = units / elapsed if elapsed > 1 and units else None
    percent = seconds_left = None
    if job.status == Job.Status.FINISHED:
        percent, seconds_left = 100, 0
    elif job.kind == Job.Kind.BULK and items_total:
        fraction = (done + failed) / items_total
        percent = int(fraction * 100)
        if rate:
            seconds_left = (items_total - done - failed) / rate
    elif job.kind == Job.Kind.EXPORT and parts:
        fractions = [1.0 if p.status == p.Status.DONE else _date_fraction(p, job) for p in parts]
        if all(f is not None for f in fractions):
            fraction = sum(fractions) / len(fractions)
            percent = int(fraction * 100)
            if 0 < fraction < 1 and elapsed > 1:
                seconds_left = elapsed * (1 - fraction) / fraction
    sharing = 0
    if job.is_active:
        sharing = max(
            (
                store_operators_present(store_id=p.store_id, excluding=job.owner_id)
                for p in parts
                if p.status != p.Status.DONE
            ),
            default=0,
        )
    share_one_in = bulk_every(settings.STOREAPI_BULK_SHARE)
    return Progress(rows, pages, items_total, done, failed, rate, seconds_left, percent, sharing, share_one_in)


def job_notices(*, operator, exclude=None) -> dict:
    """For the notice area of every page: jobs that ended since last shown, with their
    stores (a notice names the job), and whether any job is still running (then the area
    keeps polling). `exclude`: a job the page shows itself (its own page). One query,
    and two more for the stores when there are such jobs."""
    if not operator.is_authenticated:
        return {"ended": [], "running": False}
    jobs = Job.objects.filter(owner=operator, notified_at__isnull=True).exclude(status=Job.Status.EXPIRED)
    if exclude is not None:
        jobs = jobs.exclude(pk=exclude)
    fields = ("id", "kind", "status", "resource", "action", "action_value", "format", "file_name", "created_at")
    rows = list(jobs.only(*fields, "notified_at").prefetch_related("parts__store").order_by("-created_at")[:20])
    ended = [j for j in rows if j.status in (Job.Status.FINISHED, Job.Status.FAILED)]
    running = any(j.status in Job.ACTIVE_STATUSES for j in rows)
    # A Download link only where the operator may download now (a demoted operator's
    # notice says the export finished, and links to its page only).
    downloadable = jobs_downloadable(operator=operator, jobs=ended) if ended else set()
    for job in ended:
        job.downloadable = job.pk in downloadable
    return {"ended": ended, "running": running}
