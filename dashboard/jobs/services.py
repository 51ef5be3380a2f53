"""Creating, running, assembling, cancelling, expiring and sweeping bulk jobs.

How a part resumes (the promise: no row missing, no row twice):

1. The task claims the part: a lease in the database (holder = host:pid, renewed after
   every page). A second copy of the task (a redelivered message while the first still
   runs) finds the lease held and retries later; a lease whose holder's process is
   gone, or that ran out, is taken over.
2. The part's intermediate file is cut back to the byte offset saved with the cursor,
   so bytes of a page whose progress was never saved disappear.
3. Each page: fetch with the saved cursor, append its rows, fsync, then save cursor,
   rows, pages and the new byte offset in one transaction (only while still holding
   the lease). A kill between the append and the save redoes exactly that page.
4. When every part is done, one assembly step streams the parts into the final CSV or
   XLSX under a temporary name and saves it through the storage API; the job gets its
   file only once the file is complete.

Bulk actions keep one JobItem per object; each item is marked "started" before its
call and "ok"/"failed" after, so a resumed part redoes at most the one item in
flight (idempotent for tags, statuses and assignees; a note is first looked for).
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from storeapi.client import StoreClient
from storeapi.errors import InvalidRequest, NotFound, StoreAPIError, UnexpectedResponse
from storeapi.models import Membership
from storeapi.roles import Perm

from ..audit import audit_record
from ..models import Job, JobItem, JobPart
from . import columns as cols
from . import platform, selectors
from .writers import PartFile, read_rows, write_csv, write_xlsx

logger = logging.getLogger(__name__)

PAGE_PATHS = {Job.Resource.ORDERS: "orders/", Job.Resource.ORDER_LINES: "orders/", Job.Resource.TICKETS: "tickets/"}
ORDER_ACTIONS = (Job.Action.TAG_ADD, Job.Action.TAG_REMOVE, Job.Action.NOTE_ADD)
TICKET_ACTIONS = (Job.Action.TICKET_STATUS, Job.Action.TICKET_ASSIGNEE)


class RetryLater(Exception):
    """The part should run again after `countdown` seconds (the task re-enqueues it)."""

    def __init__(self, countdown: float, reason: str = ""):
        super().__init__(reason)
        self.countdown = countdown


class FileExpired(Exception):
    """The export's file is past its retention, or no longer in storage."""


class _Stop(Exception):
    """The part stops quietly: cancelled, failed elsewhere, or its lease was lost."""


def required_perm(job: Job) -> Perm:
    if job.kind == Job.Kind.EXPORT:
        return Perm.EXPORT_ORDERS
    return Perm.BULK_TICKETS if job.resource == Job.Resource.TICKETS else Perm.BULK_ORDERS


def lease_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_alive(holder: str) -> bool:
    """False only when the holder ran on this machine and its process is gone."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][:1] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _lease_live(part: JobPart, now) -> bool:
    return (
        bool(part.lease_owner)
        and part.lease_until is not None
        and part.lease_until > now
        and (_holder_alive(part.lease_owner))
    )


def work_dir(job_id) -> Path:
    return Path(settings.EXPORT_WORK_DIR) / str(job_id)


def part_path(part: JobPart) -> Path:
    return work_dir(part.job_id) / f"part-{part.pk}.jsonl"


def _backoff(attempt: int) -> float:
    return float(min(60, 2 ** max(attempt, 1)))


# --- creating jobs --------------------------------------------------------------------------


def _existing(owner, idempotency_key: str) -> Job | None:
    if not idempotency_key or owner is None:
        return None
    return Job.objects.filter(owner=owner, idempotency_key=idempotency_key).first()


def _create(owner, idempotency_key: str, build) -> tuple[Job, bool]:
    existing = _existing(owner, idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = build()
    except IntegrityError:
        existing = _existing(owner, idempotency_key)
        if existing is None:
            raise
        return existing, False
    return job, True


def job_export_create(
    *,
    owner,
    stores: list,
    resource: str = Job.Resource.ORDERS,
    filters: dict | None = None,
    fmt: str = Job.Format.CSV,
    columns: list[str] | None = None,
    source: str = Job.Source.API,
    idempotency_key: str = "",
    enqueue: bool = True,
) -> tuple[Job, bool]:
    """A new export of `stores` (in that order). Returns (job, created); a repeated
    submit with the same idempotency key returns the first job.

    `filters` are already cleaned, as a filter form's `filter_params()` gives them:
    the platform's query parameters, strings and lists of strings."""
    keys = [c.key for c in cols.columns_for(resource, columns)]

    def build():
        job = Job.objects.create(
            owner=owner,
            kind=Job.Kind.EXPORT,
            resource=resource,
            filters=dict(filters or {}),
            columns=keys if source == Job.Source.API else [],
            format=fmt,
            source=source,
            idempotency_key=idempotency_key,
        )
        for position, store in enumerate(stores):
            JobPart.objects.create(job=job, store=store, position=position)
            audit_record(
                operator=owner,
                store=store,
                action="export.created",
                object_type="job",
                object_id=job.pk,
                summary=f"Export of {job.get_resource_display().lower()} as {fmt.upper()}",
                details={"filters": job.filters, "stores": [s.subdomain for s in stores]},
            )
        if enqueue:
            transaction.on_commit(lambda: job_enqueue(job=job))
        return job

    return _create(owner, idempotency_key, build)


def job_bulk_create(
    *,
    owner,
    store,
    action: str,
    value: str = "",
    object_ids: list[str] | None = None,
    filters: dict | None = None,
    idempotency_key: str = "",
    enqueue: bool = True,
) -> tuple[Job, bool]:
    """A bulk action on the given objects, or on every object matching `filters`
    (cleaned, as for job_export_create)."""
    resource = Job.Resource.TICKETS if action in TICKET_ACTIONS else Job.Resource.ORDERS

    def build():
        job = Job.objects.create(
            owner=owner,
            kind=Job.Kind.BULK,
            resource=resource,
            action=action,
            action_value=value,
            filters={} if object_ids is not None else dict(filters or {}),
            idempotency_key=idempotency_key,
        )
        part = JobPart.objects.create(job=job, store=store, position=0)
        if object_ids is not None:
            unique_ids = list(dict.fromkeys(str(i) for i in object_ids))
            JobItem.objects.bulk_create(
                [JobItem(part=part, position=n, object_id=oid) for n, oid in enumerate(unique_ids)]
            )
            part.collected = True
            part.items_total = len(unique_ids)
            part.save(update_fields=["collected", "items_total"])
        audit_record(
            operator=owner,
            store=store,
            action="bulk.created",
            object_type="job",
            object_id=job.pk,
            summary=f"Bulk {job.get_action_display().lower()} on "
            + (f"{len(object_ids)} {resource}" if object_ids is not None else f"all matching {resource}"),
            details={"value": value, "filters": job.filters, "count": None if object_ids is None else len(object_ids)},
        )
        if enqueue:
            transaction.on_commit(lambda: job_enqueue(job=job))
        return job

    return _create(owner, idempotency_key, build)


def job_enqueue(*, job: Job) -> None:
    for part in job.parts.filter(status=JobPart.Status.QUEUED):
        part_enqueue(part=part)


def part_enqueue(*, part: JobPart, countdown: float | None = None) -> None:
    from .. import tasks

    JobPart.objects.filter(pk=part.pk).update(enqueued_at=timezone.now())
    tasks.job_part_run.apply_async(args=[part.pk], countdown=countdown)


# --- cancelling --------------------------------------------------------------------------------


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


# --- running a part --------------------------------------------------------------------------


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
        if part.lease_owner and part.lease_owner != holder and _lease_live(part, now):
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


def part_run(*, part_id: int, on_page=None, inline: bool = False) -> str:
    """Run (or resume) one part. Returns what happened; raises RetryLater.

    `on_page(part_id)` is called after each saved page or item; `inline` (the command
    line) leaves the assembly to the caller instead of enqueueing it."""
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
            _export_pages(part, client, save)
        else:
            _bulk_items(part, client, save)
    except PermissionError as exc:
        job_fail(job_id=part.job_id, part=part, message=str(exc))
        return "failed"
    except RetryLater:
        # Waiting for the platform is not a failure: the attempts start over.
        _release(part, holder, attempts=0)
        raise
    except _Stop as exc:
        _release(part, holder, status=JobPart.Status.CANCELLED)
        _remove_work_if_ended(part.job_id)
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
    _part_done(part, holder, inline=inline)
    return "done"


def _release(part: JobPart, holder: str, *, error: str = "", status: str | None = None, **more) -> None:
    changes = {"lease_owner": "", "lease_until": None, **more}
    if error:
        changes["error"] = error[:2000]
    if status:
        changes["status"] = status
    JobPart.objects.filter(pk=part.pk, lease_owner=holder).update(**changes)


def _part_done(part: JobPart, holder: str, *, inline: bool = False) -> None:
    from .. import tasks

    now = timezone.now()
    with transaction.atomic():
        JobPart.objects.filter(pk=part.pk, lease_owner=holder).update(
            status=JobPart.Status.DONE, lease_owner="", lease_until=None, finished_at=now, error=""
        )
        job = Job.objects.select_for_update().get(pk=part.job_id)
        if job.status != Job.Status.RUNNING or job.parts.exclude(status=JobPart.Status.DONE).exists():
            return
        if job.kind == Job.Kind.EXPORT:
            if not inline:
                transaction.on_commit(lambda: tasks.job_assemble.delay(str(job.pk)))
        else:
            _bulk_finish(job)


# --- exports ------------------------------------------------------------------------------------


def _export_pages(part: JobPart, client: StoreClient, save) -> None:
    job = part.job
    columns = cols.columns_for(job.resource, job.columns)
    path = PAGE_PATHS[job.resource]
    with PartFile(part_path(part)) as out:
        if not out.open_at(part.byte_offset):
            # The partial file is not on this machine: start this store over.
            logger.warning("Job part %s: partial file missing, starting the store over", part.pk)
            save(cursor="", pages_done=0, rows_written=0, byte_offset=0)
            part.cursor, part.pages_done, part.rows_written, part.byte_offset = "", 0, 0, 0
            out.open_at(0)
        if job.source == Job.Source.PLATFORM:

            def retry_later(seconds):
                raise RetryLater(seconds, "waiting for the platform's export")

            platform.run_chunks(part, client, out, save, retry_later)
            return
        if part.pages_done and not part.cursor:
            return  # every page is in (killed before the part was marked done)
        # Pages are fetched by a thread a few pages ahead of the writing, so that the
        # store's rate limit, not our own work (fsync, the progress transaction), sets
        # the pace. A fetched page whose progress was never saved is fetched again on
        # resume; memory stays bounded by the queue's few pages.
        fetcher = _PageFetcher(client, path, job.filters, part.cursor or None)
        try:
            _write_pages(part, client, out, columns, fetcher, save)
        finally:
            fetcher.close()


class _PageFetcher:
    DEPTH = 3

    def __init__(self, client: StoreClient, path: str, filters: dict, cursor: str | None):
        self.client, self.path, self.filters, self.cursor = client, path, filters, cursor
        self.queue: queue.Queue = queue.Queue(maxsize=self.DEPTH)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="export-pages", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        cursor = self.cursor
        try:
            while not self.stopping.is_set():
                page = self.client.list_page(self.path, self.filters, cursor=cursor)
                self._put((page, None))
                if not page.has_next:
                    return
                cursor = page.next_cursor
        except BaseException as exc:  # handed to the writing thread
            self._put((None, exc))
        finally:
            connection.close()  # this thread's own connection, if a call opened one (a token refresh)

    def _put(self, item) -> None:
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def next(self):
        page, error = self.queue.get()
        if error is not None:
            raise error
        return page

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=settings.STOREAPI_READ_TIMEOUT * 2)


def _write_pages(part, client, out, columns, fetcher: _PageFetcher, save) -> None:
    job = part.job
    rows_written, pages_done = part.rows_written, part.pages_done
    while True:
        page = fetcher.next()
        rows = []
        for order in page.results:
            lines = None
            if job.resource == Job.Resource.ORDER_LINES:
                detail = client.get(f"orders/{order['number']}/")
                lines = detail.get("lines") or []
            rows.extend(cols.rows_for_order(columns, order, part.store, lines))
        offset = out.append_rows(rows)
        rows_written += len(rows)
        pages_done += 1
        dates = [o.get("date_placed") for o in page.results if o.get("date_placed")]
        changes = {
            "cursor": page.next_cursor or "",
            "pages_done": pages_done,
            "rows_written": rows_written,
            "byte_offset": offset,
        }
        if dates:
            changes["last_date"] = dates[-1]
            if not part.first_date:
                part.first_date = changes["first_date"] = dates[0]
        save(**changes)
        if not page.has_next:
            return


def _remove_work_if_ended(job_id) -> None:
    if Job.objects.filter(pk=job_id).exclude(status__in=Job.ACTIVE_STATUSES).exists():
        shutil.rmtree(work_dir(job_id), ignore_errors=True)


def export_file_name(job: Job, stores: list) -> str:
    """`orders-acme-2026-11-26.csv`: built from validated subdomains only."""
    what = "order-lines" if job.resource == Job.Resource.ORDER_LINES else "orders"
    names = "-".join(s.subdomain for s in stores) if len(stores) <= 3 else f"{len(stores)}-stores"
    day = timezone.localdate(job.created_at)
    return f"{what}-{names}-{day.isoformat()}.{job.format}"


def job_assemble(*, job_id) -> str:
    """Stream every part into the final file and attach it to the job. Idempotent."""
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
                transaction.on_commit(lambda p=part: part_enqueue(part=p))
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


# --- bulk actions ---------------------------------------------------------------------------------


def _bulk_items(part: JobPart, client: StoreClient, save) -> None:
    job = part.job
    if not part.collected:
        _collect_items(part, client, save)
    while True:
        batch = list(
            part.items.filter(status__in=[JobItem.Status.PENDING, JobItem.Status.STARTED]).order_by("position")[:50]
        )
        if not batch:
            return
        for item in batch:
            was_started = item.status == JobItem.Status.STARTED
            JobItem.objects.filter(pk=item.pk).update(status=JobItem.Status.STARTED)
            try:
                summary = _apply_action(job, client, item.object_id, resumed=was_started)
                status, message = JobItem.Status.OK, summary
            except (NotFound, InvalidRequest) as exc:
                status, message = JobItem.Status.FAILED, exc.user_message

            def record(item=item, status=status, message=message):
                JobItem.objects.filter(pk=item.pk).update(status=status, message=message[:500])
                if status == JobItem.Status.OK:
                    _audit_item(job, part, item.object_id, message)

            counter = "items_done" if status == JobItem.Status.OK else "items_failed"
            save(also=record, **{counter: F(counter) + 1})


def _collect_items(part: JobPart, client: StoreClient, save) -> None:
    """List every object matching the filters as a JobItem, resumably."""
    job = part.job
    key = "id" if job.resource == Job.Resource.TICKETS else "number"
    cursor = part.cursor or None
    total = part.items_total or 0
    if not (part.pages_done and not part.cursor):  # else every page is already in
        while True:
            page = client.list_page(PAGE_PATHS[job.resource], job.filters, cursor=cursor)
            new = [
                JobItem(part=part, position=total + n, object_id=str(obj[key])) for n, obj in enumerate(page.results)
            ]
            total += len(new)
            save(
                also=lambda new=new: JobItem.objects.bulk_create(new, ignore_conflicts=True),
                cursor=page.next_cursor or "",
                pages_done=F("pages_done") + 1,
                items_total=total,
                collected=not page.has_next,
            )
            if not page.has_next:
                break
            cursor = page.next_cursor
    part.collected = True
    JobPart.objects.filter(pk=part.pk).update(collected=True, items_total=part.items.count())


def _apply_action(job: Job, client: StoreClient, object_id: str, *, resumed: bool) -> str:
    value = job.action_value
    if job.action in (Job.Action.TAG_ADD, Job.Action.TAG_REMOVE):
        order = client.get(f"orders/{object_id}/")
        tags = list(order.get("tags") or [])
        if job.action == Job.Action.TAG_ADD:
            if value in tags:
                return f"already tagged “{value}”"
            new_tags = [*tags, value]
        else:
            if value not in tags:
                return f"had no tag “{value}”"
            new_tags = [t for t in tags if t != value]
        client.patch(f"orders/{object_id}/", {"tags": new_tags})
        return f"tag “{value}” {'added' if job.action == Job.Action.TAG_ADD else 'removed'}"
    if job.action == Job.Action.NOTE_ADD:
        if resumed:
            # The call may have gone through before the worker died: look first.
            page = client.list_page(f"orders/{object_id}/notes/")
            if any(n.get("message") == value for n in page.results):
                return "note already added"
        client.post(f"orders/{object_id}/notes/", {"message": value})
        return "note added"
    if job.action == Job.Action.TICKET_STATUS:
        client.patch(f"tickets/{object_id}/", {"status": value})
        return f"status set to {value}"
    if job.action == Job.Action.TICKET_ASSIGNEE:
        assignee = int(value) if value else None
        client.patch(f"tickets/{object_id}/", {"assignee": assignee})
        return "assignee set" if assignee else "unassigned"
    raise ValueError(f"Unknown bulk action {job.action!r}.")


_ITEM_AUDIT = {
    Job.Action.TAG_ADD: ("order.tag_added", "order"),
    Job.Action.TAG_REMOVE: ("order.tag_removed", "order"),
    Job.Action.NOTE_ADD: ("order.note_added", "order"),
    Job.Action.TICKET_STATUS: ("ticket.status_changed", "ticket"),
    Job.Action.TICKET_ASSIGNEE: ("ticket.assignee_changed", "ticket"),
}


def _audit_item(job: Job, part: JobPart, object_id: str, summary: str) -> None:
    action, object_type = _ITEM_AUDIT[job.action]
    audit_record(
        operator=job.owner,
        store=part.store,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=f"{summary} (bulk job)",
        details={"job": str(job.pk), "value": job.action_value},
    )


def _bulk_finish(job: Job) -> None:
    now = timezone.now()
    failed = sum(job.parts.values_list("items_failed", flat=True))
    job.status = Job.Status.FINISHED
    job.finished_at = now
    job.rows_total = sum(job.parts.values_list("items_done", flat=True))
    job.error = f"{failed} failed; download the report for details." if failed else ""
    job.save(update_fields=["status", "finished_at", "rows_total", "error"])


# --- downloads ------------------------------------------------------------------------------------


def job_download_open(*, job: Job, operator):
    """The finished export's file, opened for `operator`, and the download recorded in
    the audit log of each store in the job. Raises FileExpired past retention (or when
    storage lost the file), Http404 when the operator may not have it or there is none."""
    if not selectors.job_download_allowed(job=job, operator=operator):
        raise Http404("No such job.")
    if job.status == Job.Status.EXPIRED or (job.expires_at and job.expires_at <= timezone.now()):
        raise FileExpired
    if job.status != Job.Status.FINISHED or not job.file:
        raise Http404("This job has no file.")
    try:
        handle = job.file.open("rb")
    except OSError as exc:  # FileNotFoundError included: deleted behind our back
        raise FileExpired from exc
    for part in job.parts.all():
        audit_record(
            operator=operator,
            store=part.store,
            action="export.downloaded",
            object_type="job",
            object_id=job.pk,
            summary=f"Downloaded {job.file_name}",
            details={"rows": job.rows_total, "size": job.file_size},
        )
    return handle


# --- maintenance (Celery beat) ------------------------------------------------------------------


@dataclass
class SweepResult:
    requeued_parts: int = 0
    assemblies: int = 0


def jobs_sweep() -> SweepResult:
    """Find work whose task message was lost (Redis restarted, a worker killed) and
    enqueue it again. Extra messages are harmless: a part runs under its lease."""
    from .. import tasks

    now = timezone.now()
    result = SweepResult()
    stale_enqueue = now - timedelta(seconds=settings.JOB_REQUEUE_AFTER_SECONDS)
    parts = JobPart.objects.filter(
        job__status__in=Job.ACTIVE_STATUSES, status__in=[JobPart.Status.QUEUED, JobPart.Status.RUNNING]
    )
    for part in parts:
        if _lease_live(part, now):
            continue
        if part.enqueued_at is not None and part.enqueued_at > stale_enqueue:
            continue
        part_enqueue(part=part)
        result.requeued_parts += 1
    for job in Job.objects.filter(status=Job.Status.RUNNING, kind=Job.Kind.EXPORT, file=""):
        if not job.parts.exclude(status=JobPart.Status.DONE).exists():
            tasks.job_assemble.delay(str(job.pk))
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


# --- running a job in this process (the command line) -----------------------------------------------


def job_run_here(*, job: Job, on_page=None) -> Job:
    """Run every part and the assembly in this process, with the same code as the
    Celery tasks. `on_page(part_id)` is called after every saved page."""
    for part in job.parts.order_by("position"):
        while True:
            try:
                part_run(part_id=part.pk, on_page=on_page, inline=True)
            except RetryLater as exc:
                time.sleep(exc.countdown)
                continue
            break
    job.refresh_from_db()
    if job.kind == Job.Kind.EXPORT and job.status == Job.Status.RUNNING:
        job_assemble(job_id=job.pk)
        job.refresh_from_db()
    return job
