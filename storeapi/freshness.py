"""How old the store data on one page is, whether the operator asked for it afresh, and
how much longer the page may wait for the store.

Every read that StoreClient serves while a request is handled is recorded here (the
middleware opens a `Freshness` per request): when the store said it, whether it came from
the shared cache, and why an older copy was shown (the store busy or not answering).
The page says so ("as of 14:02:11, 8 s ago") and offers Refresh, which asks the store
again (`wants_fresh`). A page's waits for the store (a slot, a colleague's read, a
thread place) share one budget, STOREAPI_PAGE_WAIT_SECONDS for the whole request
(`wait_left`): a page that reads three things does not wait three times as long.

Kept in a context variable: each request thread has its own, and the thread pools of
the all-stores pages run their reads in a copy of the request's context (same object).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

_current: contextvars.ContextVar[Freshness | None] = contextvars.ContextVar("storeapi_freshness", default=None)


@dataclass
class Freshness:
    wants_fresh: bool = False
    wait_until: float | None = None  # time.monotonic() past which the page waits no more
    oldest: float | None = None  # epoch seconds the oldest cached answer shown was given
    notes: list[str] = field(default_factory=list)  # why older copies are shown
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, *, fetched_at: float, from_cache: bool, note: str = "") -> None:
        with self._lock:
            if from_cache and (self.oldest is None or fetched_at < self.oldest):
                self.oldest = fetched_at
            if note and note not in self.notes:
                self.notes.append(note)

    @property
    def from_cache(self) -> bool:
        return self.oldest is not None

    @property
    def as_of(self) -> datetime | None:
        return None if self.oldest is None else datetime.fromtimestamp(self.oldest, tz=UTC)


@contextmanager
def freshness_scope(*, wants_fresh: bool = False, wait_seconds: float | None = None) -> Iterator[Freshness]:
    wait_until = None if wait_seconds is None else time.monotonic() + wait_seconds
    scope = Freshness(wants_fresh=wants_fresh, wait_until=wait_until)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_freshness() -> Freshness | None:
    return _current.get()


def wants_fresh() -> bool:
    scope = _current.get()
    return bool(scope and scope.wants_fresh)


def wait_left(bound: float) -> float:
    """How long this request may still wait for a store, at most `bound`."""
    scope = _current.get()
    if scope is None or scope.wait_until is None:
        return bound
    return max(0.0, min(bound, scope.wait_until - time.monotonic()))


def record_read(*, fetched_at: float, from_cache: bool, note: str = "") -> None:
    scope = _current.get()
    if scope is not None:
        scope.record(fetched_at=fetched_at, from_cache=from_cache, note=note)
