"""Lists across every store of an operator, fetched concurrently and merged newest first.

Each store is asked for one page at a time (one request per store per page shown). A
store that fails becomes a `StoreFailure` shown as a notice; the others still show.

Paging a merged list: the cursor carries, for each store, the store's own cursor and
how many rows of that page were already shown. A page is filled by repeatedly taking
the newest head among the stores' pages, and stops early when a store that has more
pages runs out of fetched rows (its next page could hold rows newer than the other
stores' remaining ones). So rows are never skipped or shown twice.
"""

from __future__ import annotations

import contextvars
import heapq
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.db import connections
from django.utils.dateparse import parse_datetime

from storeapi.client import Page, StoreClient, cached_list_pages, give_up_leads, page_query, take_leads
from storeapi.errors import StoreAPIError, UnexpectedResponse
from storeapi.models import Membership
from storeapi.redis_client import REDIS_UNAVAILABLE
from storeapi.roles import Perm
from storeapi.threads import ProcessPool

from .tickets import (
    cached_ticket_labels,
    store_staff_list,
    ticket_types_list,
    tickets_label_assignees,
    tickets_label_types,
)

logger = logging.getLogger(__name__)

CURSOR_SALT = "dashboard.cross_store.cursor"
# The threads that ask several stores at once for a page, shared by the process's pages.
# A page asks each of its stores in one of them at once; pages beyond what the pool can
# run wait for a thread (each store's read is bounded: storeapi.freshness.wait_left).
MAX_WORKERS = 32
_pool = ProcessPool(max_workers=MAX_WORKERS, name="cross-store")
_OLDEST = datetime.min.replace(tzinfo=UTC)


def operator_memberships(*, operator) -> list:
    """The operator's memberships with their stores, in one query."""
    return list(Membership.objects.for_operator(operator))


def operator_stores(*, operator, perm: Perm, memberships: list | None = None) -> list:
    """The operator's stores where their role allows `perm` (connected or not): the
    stores the all-stores pages, search and exports may cover. `memberships`: the
    operator's, when already loaded (operator_memberships)."""
    if memberships is None:
        memberships = operator_memberships(operator=operator)
    return [m.store for m in memberships if m.allows(perm)]


def split_connected(stores) -> tuple[list, list]:
    """(the connected stores, to ask; the others, skipped and named in a notice)."""
    return [s for s in stores if s.is_connected], [s for s in stores if not s.is_connected]


@dataclass
class StoreFailure:
    store: Any
    error: StoreAPIError


@dataclass
class StoreRow:
    store: Any
    row: dict


@dataclass
class MergedPage:
    rows: list[StoreRow]
    failures: list[StoreFailure]
    next_cursor: str | None


def _run_in_thread(fn, store):
    try:
        return fn(store)
    finally:
        # Threads of the pool open their own database connections (a token refresh or
        # marking a store for reconnect writes); close them rather than leak them.
        connections.close_all()


def stores_fan_out(*, stores: Iterable, call: Callable[[Any], Any]) -> tuple[dict[int, Any], list[StoreFailure]]:
    """`call(store)` for every store at once; results by store pk, and the failures."""
    stores = list(stores)
    results: dict[int, Any] = {}
    failures: list[StoreFailure] = []
    if not stores:
        return results, failures
    # Each in a copy of the request's context: the page's freshness record (how old the
    # data is, and whether Refresh was pressed) is shared with the threads.
    futures = [(store, _pool.submit(contextvars.copy_context().run, _run_in_thread, call, store)) for store in stores]
    for store, future in futures:
        try:
            results[store.pk] = future.result()
        except StoreAPIError as error:
            failures.append(StoreFailure(store, error))
        except REDIS_UNAVAILABLE:
            raise  # not this store's fault: every store needs Redis (the page says so, a 503)
        except Exception:  # a bug or an odd answer in one store must not hide the others
            logger.exception("Reading store %s failed", store.subdomain)
            failures.append(StoreFailure(store, UnexpectedResponse(store=store.subdomain)))
    return results, failures


def _sort_moment(row: dict, key: str) -> datetime:
    moment = parse_datetime(str(row.get(key) or "")) if isinstance(row, dict) else None
    if moment is None:
        return _OLDEST
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _decode_cursor(cursor: str | None, stores: list) -> dict[str, list | None]:
    start = {s.subdomain: [None, 0] for s in stores}
    if not cursor:
        return start
    try:
        state = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        return start
    if not isinstance(state, dict):
        return start
    # Only stores the operator asked for now, whatever the cursor says.
    return {sub: _valid_entry(state.get(sub)) for sub in start if sub in state}


def _valid_entry(entry) -> list | None:
    if (
        isinstance(entry, list)
        and len(entry) == 2
        and (entry[0] is None or isinstance(entry[0], str))
        and isinstance(entry[1], int)
        and entry[1] >= 0
    ):
        return entry
    return None


def merge_newest_first(
    *, windows: dict[str, list[dict]], has_next: dict[str, bool], sort_key: str, page_size: int
) -> tuple[list[tuple[str, dict]], dict[str, int]]:
    """Merge each store's rows (each list newest first) into one list, newest first.

    Returns the rows taken (with their store) and how many of each store's rows were
    used. Stops at `page_size` rows, or as soon as a store that has more pages has no
    fetched rows left: its next page could hold rows newer than what is left elsewhere.
    """
    used = dict.fromkeys(windows, 0)
    taken: list[tuple[str, dict]] = []
    # Each store's next row, in a heap by its moment (the newest on top; then the store
    # listed first, as `max` did): a row's moment is parsed once, when it comes up.
    heads: list[tuple[timedelta, int, str]] = []

    def push(index: int, sub: str) -> None:
        rows = windows[sub]
        if used[sub] < len(rows):
            heapq.heappush(heads, (_OLDEST - _sort_moment(rows[used[sub]], sort_key), index, sub))

    for index, sub in enumerate(windows):
        push(index, sub)
    exhausted = {sub for sub, rows in windows.items() if not rows and has_next.get(sub)}
    while len(taken) < page_size and heads and not exhausted:
        _, index, sub = heapq.heappop(heads)
        taken.append((sub, windows[sub][used[sub]]))
        used[sub] += 1
        if used[sub] >= len(windows[sub]) and has_next.get(sub):
            exhausted.add(sub)  # its next page could hold rows newer than what is left elsewhere
        push(index, sub)
    return taken, used


def merged_list_page(
    *, stores: list, path: str, params: dict, sort_key: str, cursor: str | None = None, page_size: int = 50
) -> MergedPage:
    state = _decode_cursor(cursor, stores)
    active = [s for s in stores if state.get(s.subdomain) is not None]

    clients = {s.pk: StoreClient.for_store(s) for s in active}

    def fetch(store) -> Page:
        store_cursor, _skip = state[store.subdomain]
        return clients[store.pk].list_page(path, params, cursor=store_cursor, cached=True)

    # What the shared cache can show is taken here; only the other stores are asked, at
    # once (each with the lookup made here: storeapi.client.cached_gets).
    cached = cached_list_pages(list(clients.values()), path, params, cursors=[state[s.subdomain][0] for s in active])
    pages: dict[int, Page] = {store.pk: page for store, page in zip(active, cached, strict=True) if page is not None}
    asked = [s for s in active if s.pk not in pages]
    # The reads' leads in one round trip, here, rather than one per store in its thread.
    take_leads([(clients[s.pk], path, page_query(params, state[s.subdomain][0])) for s in asked])
    try:
        fetched, failures = stores_fan_out(stores=asked, call=fetch)
    finally:
        give_up_leads([clients[s.pk] for s in asked])
    pages.update(fetched)
    windows: dict[str, list[dict]] = {}
    by_sub = {s.subdomain: s for s in active}
    for store in active:
        if store.pk in pages:
            skip = int(state[store.subdomain][1] or 0)
            windows[store.subdomain] = pages[store.pk].results[skip:]
    picked, used = merge_newest_first(
        windows=windows,
        has_next={sub: pages[by_sub[sub].pk].has_next for sub in windows},
        sort_key=sort_key,
        page_size=page_size,
    )
    taken = [StoreRow(by_sub[sub], row) for sub, row in picked]

    new_state: dict[str, list | None] = {}
    for sub, value in state.items():
        store = by_sub.get(sub)
        if store is None:  # finished on an earlier page
            new_state[sub] = None
        elif store.pk not in pages:
            # Failed: on the first page the notice says so and the store is left out;
            # on a later page it is asked again with the next "Load more".
            new_state[sub] = None if cursor is None else value
        else:
            page = pages[store.pk]
            consumed = int(value[1] or 0) + used[sub]
            if consumed >= len(page.results):
                new_state[sub] = [page.next_cursor, 0] if page.has_next else None
            else:
                new_state[sub] = [value[0], consumed]
    more = any(v is not None for v in new_state.values())
    next_cursor = signing.dumps(new_state, salt=CURSOR_SALT, compress=True) if more else None
    return MergedPage(rows=taken, failures=failures, next_cursor=next_cursor)


def merged_tickets_label(*, page: MergedPage) -> None:
    """Each row of an all-stores inbox page gets its type's name and its assignee's name
    in its own store's words (`type_name`, `assignee_name`): each store names its types
    and its users, and their ids mean nothing elsewhere. What the shared cache holds is
    read here, every store in one round trip; only the stores it has nothing for are
    asked, one thread per store, at once (threads cost a 12-store inbox more than its
    rows: docs/page-speed.md). A store whose types or users cannot be read leaves its
    rows without names (ticket_types_list, store_staff_list)."""
    stores = {item.store.pk: item.store for item in page.rows}

    def names(store) -> tuple[list[dict], list[dict] | None]:
        return ticket_types_list(store=store), store_staff_list(store=store)

    labels: dict[int, tuple] = cached_ticket_labels(stores=stores.values())
    asked, _failures = stores_fan_out(stores=[s for pk, s in stores.items() if pk not in labels], call=names)
    labels.update(asked)
    for pk in stores:
        rows = [item.row for item in page.rows if item.store.pk == pk]
        types, staff = labels.get(pk, ([], None))
        tickets_label_types(tickets=rows, types=types)
        tickets_label_assignees(rows, staff)
