"""Platform exports: the platform builds the CSV itself, for a date range only.

Per store: the range is cut into chunks; for each chunk the part creates an export
(`POST exports/`), polls it gently (the task is re-enqueued with a countdown while the
platform works: no worker is held), fetches the short-lived signed URL
(`exports/{id}/download/`) and streams the file into the part's intermediate file,
with the store's subdomain in front. One platform export holds at most
PLATFORM_EXPORT_MAX_OBJECTS rows: a chunk that comes back full is cut back out of the
file, split in two halves and asked again. The chunk list and what is done live in
`JobPart.platform_state`, saved with the byte offset, so a killed worker resumes the
same way as a walked export.

Waiting for the platform is not a failure (the part's attempts start over at every
poll), so it is bounded by time instead: a chunk whose file the platform has not made
PLATFORM_EXPORT_DEADLINE_SECONDS after it was asked for fails the job, saying so
(`PlatformTooSlow`).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from storeapi.client import StoreClient
from storeapi.downloads import open_signed_download
from storeapi.errors import UnexpectedResponse

from ..models import Job, JobPart
from . import columns as cols

PLATFORM_TYPES = {Job.Resource.ORDERS: "order_list", Job.Resource.ORDER_LINES: "order_line_items"}
_MONEY_PREFIXES = ("total_", "price_", "shipping_incl_tax", "shipping_excl_tax", "amount", "unit_")
_INT_COLUMNS = {"quantity", "line_id", "customer_id"}
_DATE_COLUMNS = {"date_placed", "created_at", "date_joined", "date_created"}


class PlatformTooSlow(Exception):
    """The platform did not make an export's file before the deadline."""


def platform_columns(header: list[str]) -> list[cols.Column]:
    """Typed columns for the platform's header, with `store` in front."""
    result = [cols.Column("store", "store", cols.TEXT, lambda *a: None)]
    for name in header:
        if name in _DATE_COLUMNS:
            kind = cols.DATETIME
        elif name in _INT_COLUMNS:
            kind = cols.INT
        elif name.startswith(_MONEY_PREFIXES):
            kind = cols.MONEY
        else:
            kind = cols.TEXT
        result.append(cols.Column(name, name, kind, lambda *a: None))
    return result


def initial_chunks(job: Job, store) -> list[dict]:
    """The job's date range as one chunk, from the first day's start to the last day's
    end in the store's timezone (as UTC instants)."""
    tz = ZoneInfo(store.timezone or "UTC")
    start = date.fromisoformat(job.filters["date_placed_from"])
    end = date.fromisoformat(job.filters["date_placed_to"])
    begin = _midnight(start, tz)
    finish = _midnight(end + timedelta(days=1), tz) - timedelta(microseconds=1) if end < date.max else _LAST
    return [{"from": begin.isoformat(), "to": finish.isoformat()}]


_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


def _midnight(day: date, tz) -> datetime:
    """The day's first instant in `tz`, in UTC; held at the calendar's ends (the export
    form takes no such day, but a job must not fail on one it was given)."""
    try:
        return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    except OverflowError:
        return _FIRST if day.year == 1 else _LAST


def split(chunk: dict) -> list[dict]:
    begin, finish = datetime.fromisoformat(chunk["from"]), datetime.fromisoformat(chunk["to"])
    if finish - begin < timedelta(seconds=2):
        raise UnexpectedResponse("One second of orders is more than one platform export can hold.")
    middle = begin + (finish - begin) / 2
    # Newer half first: the merged file stays newest first, like the platform's own.
    return [
        {"from": (middle + timedelta(microseconds=1)).isoformat(), "to": finish.isoformat()},
        {"from": begin.isoformat(), "to": middle.isoformat()},
    ]


def run_chunks(part: JobPart, client: StoreClient, out, save, retry_later) -> None:
    """Work through the part's chunks; `save(**changes)` persists progress under the
    lease, `retry_later(seconds)` ends this run until the platform is done."""
    job = part.job
    state = dict(part.platform_state or {})
    if "chunks" not in state:
        state["chunks"] = initial_chunks(job, part.store)
        save(platform_state=state)
    cap = settings.PLATFORM_EXPORT_MAX_OBJECTS
    tz = ZoneInfo(part.store.timezone or "UTC")
    rows_written, pages_done = part.rows_written, part.pages_done
    index = 0
    while index < len(state["chunks"]):
        chunk = state["chunks"][index]
        if chunk.get("done"):
            index += 1
            continue
        if not chunk.get("id"):
            created = client.post(
                "exports/", {"type": PLATFORM_TYPES[job.resource], "date_from": chunk["from"], "date_to": chunk["to"]}
            )
            chunk["id"] = created["id"]
            chunk["asked_at"] = timezone.now().isoformat()
            save(platform_state=state)
        export = client.get(f"exports/{chunk['id']}/")
        if export.get("status") != "available":
            check_deadline(chunk, export, save=lambda: save(platform_state=state))
            retry_later(settings.PLATFORM_EXPORT_POLL_SECONDS)
        url = client.get(f"exports/{chunk['id']}/download/")["url"]
        reader = csv.reader(open_signed_download(url, store=part.store))
        header = next(reader, [])
        if state.get("header") not in (None, header):
            raise UnexpectedResponse("The platform's exports changed their columns.", store=part.store.subdomain)
        state["header"] = header
        columns = platform_columns(header)
        count, batch = 0, []
        for raw in reader:
            values = [part.store.subdomain, *raw]
            batch.append([cols.cell(c, v if v != "" else None, tz) for c, v in zip(columns, values, strict=False)])
            count += 1
            if len(batch) >= 1000:
                out.append_rows(batch)
                batch = []
        offset = out.append_rows(batch)  # also for a chunk without orders: where it ends
        if count >= cap:
            # Full: the platform may have cut it off. Take it back out and ask in halves.
            out.open_at(offset_before(state))
            state["chunks"][index : index + 1] = split(chunk)
            save(platform_state=state)
            continue
        chunk.update(done=True, rows=count, end_offset=offset)
        rows_written += count
        pages_done += 1
        save(platform_state=state, rows_written=rows_written, pages_done=pages_done, byte_offset=offset)
        index += 1


def offset_before(state: dict) -> int:
    """The byte offset where the first unfinished chunk starts."""
    done = [c["end_offset"] for c in state["chunks"] if c.get("done")]
    return done[-1] if done else 0


def check_deadline(chunk: dict, export: dict, *, save) -> None:
    """Raise PlatformTooSlow once the chunk's file is overdue. A chunk asked for before
    its time was recorded (a job that was running during an upgrade) starts its clock
    now (`save()` records it)."""
    now = timezone.now()
    if not chunk.get("asked_at"):
        chunk["asked_at"] = now.isoformat()
        save()
    waited = now - datetime.fromisoformat(chunk["asked_at"])
    deadline = settings.PLATFORM_EXPORT_DEADLINE_SECONDS
    if waited.total_seconds() >= deadline:
        status = str(export.get("status") or "unknown")[:40]
        raise PlatformTooSlow(
            f"the platform did not produce its export file in time (export {chunk['id']} was still "
            f"'{status}' after {_duration(deadline)}). Try again later, or let Storedesk walk the orders."
        )


def _duration(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"
