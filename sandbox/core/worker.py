"""The sandbox's background threads: webhook deliveries, and native exports.

Started by `runsandbox` in the server process, which hands it its jobs
(`webhooks.process_due`, `exports.process_due`). Work lives in the database (delivery
and export rows), so nothing is lost when the server stops; a thread only looks for
what is due, every SANDBOX_WORKER_POLL_SECONDS or when `wake` is called.
"""

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)
_started = threading.Event()
_wakes: list[threading.Event] = []


def wake() -> None:
    """Look for due work now rather than at the next poll."""
    for event in _wakes:
        event.set()


def _loop(process, event: threading.Event) -> None:
    while True:
        event.wait(settings.SANDBOX_WORKER_POLL_SECONDS)
        event.clear()
        try:
            close_old_connections()
            process()
        except Exception:
            log.exception("sandbox worker")
        finally:
            close_old_connections()


def start(jobs: dict[str, Callable[[], object]]) -> None:
    """One thread per job (name -> a function that does what is due), so that a big
    export never holds up a webhook. The caller hands the jobs over: the modules that
    have work call `wake`, and the worker imports none of them."""
    if _started.is_set():
        return
    _started.set()
    for name, process in jobs.items():
        event = threading.Event()
        _wakes.append(event)
        threading.Thread(target=_loop, args=(process, event), name=f"sandbox-{name}", daemon=True).start()
