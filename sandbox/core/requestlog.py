"""What the sandbox received, per store: read by tests through the control endpoint.

In memory (the sandbox is one process), bounded by SANDBOX_REQUEST_LOG_SIZE per store.
"""

import threading
from collections import deque

from django.conf import settings

_logs: dict[str, deque] = {}
_lock = threading.Lock()


def record(store: str, entry: dict) -> None:
    with _lock:
        log = _logs.get(store)
        if log is None:
            log = _logs[store] = deque(maxlen=settings.SANDBOX_REQUEST_LOG_SIZE)
        log.append(entry)


def entries(store: str) -> list[dict]:
    with _lock:
        return list(_logs.get(store, ()))


def clear(store: str) -> None:
    with _lock:
        _logs.pop(store, None)
