"""Work a web process does after answering: refreshing cached reads (storeapi.cache).

A small thread pool per process (rebuilt after a fork, as gunicorn forks its workers).
Each task closes the database connections its thread opened.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.db import connections

logger = logging.getLogger(__name__)

MAX_THREADS = 4  # StoreClient runs one refresh per store at a time in them
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_guard = threading.Lock()
_pending: set[Future] = set()


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    with _guard:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="storeapi-background")
            _pool_pid = os.getpid()
        return _pool


def _run(fn, args, kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        logger.exception("Background task %s failed", getattr(fn, "__name__", fn))
    finally:
        connections.close_all()


def run_soon(fn, /, *args, **kwargs) -> None:
    """Run `fn` in this process's background pool; failures are logged, not raised."""
    future = _executor().submit(_run, fn, args, kwargs)
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
