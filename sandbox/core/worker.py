"""The sandbox's background thread: webhook deliveries and native exports.

Started by `runsandbox` in the server process. Work lives in the database (delivery
and export rows), so nothing is lost when the server stops; the thread only looks
for what is due.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)
_started = threading.Event()
_wake = threading.Event()


def wake() -> None:
    """Look for due work now rather than at the next poll."""
    _wake.set()


def run_once() -> None:
    from . import exports, webhooks

    exports.process_due()
    webhooks.process_due()


def _loop() -> None:
    while True:
        _wake.wait(settings.SANDBOX_WORKER_POLL_SECONDS)
        _wake.clear()
        try:
            close_old_connections()
            run_once()
        except Exception:
            log.exception("sandbox worker")
        finally:
            close_old_connections()


def start() -> None:
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, name="sandbox-worker", daemon=True).start()
    time.sleep(0)
