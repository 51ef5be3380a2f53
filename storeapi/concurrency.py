"""How many of one process's threads may wait on one store at once.

A gunicorn process serves every store with a handful of threads. If a store is slow,
throttled or hanging, page views of that store must not take all of them: at most
STOREAPI_STORE_THREADS_PER_PROCESS threads of a process wait on one store (a request in
flight, a slot in the rate limiter, or a colleague's identical read). Another page view
of that store waits for a free place at most the page's wait bound, then gets
StoreBusy, and the page shows what it has. Bulk jobs (Celery workers) are not capped
here: their threads are not web threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from .errors import StoreBusy

_places: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_guard = threading.Lock()
_held = threading.local()


def _semaphore(store_key: str) -> threading.BoundedSemaphore:
    size = max(1, settings.STOREAPI_STORE_THREADS_PER_PROCESS)
    with _guard:
        places = _places.get((store_key, size))
        if places is None:
            places = _places[(store_key, size)] = threading.BoundedSemaphore(size)
        return places


@contextmanager
def store_thread_place(store_key: str, *, timeout: float) -> Iterator[None]:
    """Hold one of the store's places in this process for the block (re-entrant within
    a thread: a read that waits and then asks the store holds one place)."""
    held = getattr(_held, "keys", None)
    if held is None:
        held = _held.keys = set()
    if store_key in held:
        yield
        return
    places = _semaphore(store_key)
    if not places.acquire(timeout=max(0.0, timeout)):
        raise StoreBusy("Every thread this process may spend on the store is already waiting on it.", retry_after=1.0)
    held.add(store_key)
    try:
        yield
    finally:
        held.discard(store_key)
        places.release()
