"""One store's part of an export: its intermediate file, and the walk of the store's
list endpoint that fills it (or the platform's own export, `platform`).

The file is cut back to the byte offset saved with the cursor before anything is
appended, so a page whose progress was never saved is written again, not twice. Pages
are fetched by a thread a few pages ahead of the writing (`_PageFetcher`).
"""

from __future__ import annotations

import logging
import queue
import threading

from django.conf import settings
from django.db import connection

from storeapi.client import StoreClient

from ..models import Job, JobPart
from . import columns as cols
from . import platform
from .resources import PAGE_PATHS
from .workfiles import part_path
from .writers import PartFile

logger = logging.getLogger(__name__)


def export_pages(part: JobPart, client: StoreClient, save, retry_later) -> None:
    """Write the part's rows from where it stopped. `save(**changes)` persists progress
    under the part's lease; `retry_later(seconds)` ends this run while the platform works."""
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
