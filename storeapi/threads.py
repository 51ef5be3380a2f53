"""Thread pools that last as long as the process: starting threads for every page costs
more than the work of a page's thread (each start waits for the new thread to run, while
its siblings hold the interpreter). Rebuilt after a fork, as gunicorn forks its workers
from a process that may already have one.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor


class ProcessPool:
    def __init__(self, *, max_workers: int, name: str):
        self.max_workers = max_workers
        self.name = name
        self._pool: ThreadPoolExecutor | None = None
        self._pid: int | None = None
        self._guard = threading.Lock()

    def executor(self) -> ThreadPoolExecutor:
        with self._guard:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix=self.name)
                self._pid = os.getpid()
            return self._pool

    def submit(self, fn, /, *args, **kwargs):
        return self.executor().submit(fn, *args, **kwargs)
