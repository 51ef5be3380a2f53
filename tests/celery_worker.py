"""A real Celery worker for the tests: `celery -A config worker` as a subprocess.

The `celery_worker` fixture (tests/conftest.py) starts one per test session, on a queue
of its own (so a stray worker on the same Redis cannot take the session's tasks),
against the test database (the worker sees what `transactional_db` tests commit). A
SIGKILL test kills that session worker (`kill()`) and starts it again (`start()`).

Every test flushes its Redis database (tests/conftest.py clears the cache), which also
drops the broker's routing table; `declare_queue()` puts the session's queue back
before each test that uses the worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
QUEUE = f"storedesk-tests-{uuid.uuid4().hex[:10]}"


def use_session_queue() -> None:
    """Route this process's tasks to the session's queue (before anything is sent)."""
    from config.celery import app

    app.conf.task_default_queue = QUEUE


def declare_queue() -> None:
    from config.celery import app

    with app.connection_for_write() as connection:
        app.amqp.queues[QUEUE](connection.default_channel).declare()


def database_url(settings_dict: dict) -> str:
    """The URL of the (test) database Django is connected to, for the worker's DATABASE_URL."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{settings_dict.get('HOST') or '127.0.0.1'}{port}/{settings_dict['NAME']}"


def worker_env(**overrides: str) -> dict:
    """The environment of a process that shares this test run's database and files
    (the worker; tests/storeapi's second limiter process, with its own overrides)."""
    from django.conf import settings
    from django.db import connection

    return {
        **os.environ,
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EXPORT_WORK_DIR": str(settings.EXPORT_WORK_DIR),
        "PYTHONUNBUFFERED": "1",
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        # The sandbox runs with a high limit in tests (not the platform's 4/s), and so
        # does the worker's client; the limit itself is tested in tests/storeapi and
        # measured by `make bench`.
        "STOREAPI_RATE_LIMIT_PER_SECOND": "200",
        "PLATFORM_EXPORT_POLL_SECONDS": "1",
        **overrides,
    }


class WorkerProcess:
    """`celery worker` in its own process group, so that a kill takes the pool too."""

    CONCURRENCY = 3
    START_TIMEOUT = 60  # seconds

    def __init__(self):
        self.env = worker_env()
        self.name = f"jobs-{uuid.uuid4().hex[:6]}"
        self.log_path = BASE_DIR / "var" / f"celery-{self.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self.log_path.parent.mkdir(exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--include",
                "tests.celery_coverage",
                "-Q",
                QUEUE,
                "-c",
                str(self.CONCURRENCY),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.name}@%h",
                "-l",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.START_TIMEOUT
        while "ready." not in self.log_path.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"The Celery worker did not start; see {self.log_path}:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool: nothing gets to clean up or acknowledge."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM the worker (SIGKILL if it lingers), and remove its log.

        Only the main process gets the signal: its warm shutdown closes the pool, whose
        children then exit on their own (and so save their coverage data, `make test`)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.kill(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        self.log_path.unlink(missing_ok=True)
