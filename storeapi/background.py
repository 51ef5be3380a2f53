"""Work a web process does after answering: refreshing cached reads (storeapi.cache).

A small thread pool per process (storeapi.threads). Each task closes the database
connections its thread opened.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, wait

from django.db import connections

from .threads import ProcessPool

logger = logging.getLogger(__name__)

MAX_THREADS = 4  # StoreClient runs one refresh per store at a time in them
_pool = ProcessPool(max_workers=MAX_THREADS, name="storeapi-background")
_guard = threading.Lock()
_pending: set[Future] = set()


def _run(fn, args, kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        logger.exception("Background task %s failed", getattr(fn, "__name__", fn))
    finally:
        connections.close_all()


def run_soon(fn, /, *args, **kwargs) -> None:
    """Run `fn` in this process's background pool; failures are logged, not raised."""
    future = _pool.submit(_run, fn, args, kwargs)
    with _guard:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _guard:
        _pending.discard(future)


def drain(timeout: float = 30.0) -> bool:
    """Wait for the work submitted so far (a process about to stop; a test about to
    end). Returns whether all of it finished."""
    with _guard:
        pending = list(_pending)
    _done, not_done = wait(pending, timeout=timeout)
    return not not_done
