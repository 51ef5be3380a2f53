"""A scheduled export run by a real `celery beat` and a real `celery worker` against the
sandbox: beat's tick (every second here) finds the due schedule, the worker starts the
Exports page's job, walks the store, assembles the file and e-mails the link.

Both processes are started here on a queue of their own (the session's worker, on the
session's queue, takes none of these tasks), with a file-based e-mail backend in this
test's directory: the e-mail is sent by the worker, another process.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.models import ExportRun, ExportSchedule, Job, SavedView
from tests import celery_worker as cw

from .conftest import read_csv, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _start(args, env, log_path):
    log = log_path.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=cw.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process):
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def beat_and_worker(tmp_path, settings):
    """(mail directory, logs): a worker and a beat on this test's own queue."""
    from config.celery import app

    queue = f"storedesk-sched-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = cw.worker_env(
        CELERY_TASK_DEFAULT_QUEUE=queue,
        EMAIL_URL=f"filemail:///{mail_dir}",
        EXPORT_SCHEDULES_TICK_SECONDS="1",
        SITE_URL="https://desk.example.com",
    )
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # what this process sends (the job's parts) goes there too
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker = _start(
        ["worker", "-Q", queue, "-c", "2", "--pool", "prefork", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-n", f"sched-{queue}@%h", "-l", "INFO"],
        env,
        worker_log,
    )  # fmt: skip
    beat = None
    try:
        deadline = time.monotonic() + 60
        while "ready." not in worker_log.read_text(errors="replace"):
            assert worker.poll() is None and time.monotonic() < deadline, worker_log.read_text()[-3000:]
            time.sleep(0.1)
        beat = _start(
            ["beat", "-s", str(tmp_path / "beat-schedule"), "--max-interval", "1", "-l", "INFO"], env, beat_log
        )
        yield mail_dir, worker_log, beat_log
    finally:
        if beat is not None:
            _stop(beat)
        _stop(worker)
        app.conf.task_default_queue = before


def test_beat_starts_a_due_schedule_once_and_the_owner_gets_the_link(stores, manager, beat_and_worker):
    mail_dir, worker_log, beat_log = beat_and_worker
    view = SavedView.objects.create(
        owner=manager, name="Open orders", kind="orders", store=stores["acme"], query="status=open"
    )
    schedule = ExportSchedule.objects.create(
        owner=manager, view=view, timezone="Europe/Berlin", hour=6, next_run_at=timezone.now() - timedelta(minutes=1)
    )
    deadline = time.monotonic() + 120
    while not ExportRun.objects.filter(schedule=schedule).exists():
        assert time.monotonic() < deadline, beat_log.read_text()[-2000:] + worker_log.read_text()[-3000:]
        time.sleep(0.2)
    run = ExportRun.objects.get(schedule=schedule)
    job = wait_for(run.job, statuses=(Job.Status.FINISHED, Job.Status.FAILED))
    assert job.status == Job.Status.FINISHED, job.error
    assert job.owner == manager and job.filters == {"status": ["open"]}
    rows = read_csv(job)
    assert rows and {r["status"] for r in rows} == {"open"}

    while not list(mail_dir.iterdir()):
        assert time.monotonic() < deadline, worker_log.read_text()[-3000:]
        time.sleep(0.2)
    mails = "".join(p.read_text() for p in mail_dir.iterdir())
    assert f"To: {manager.email}" in mails
    assert f"https://desk.example.com/exports/{job.pk}/download/" in mails
    # The mail is written inside the transaction that marks the run announced (a mail that
    # fails rolls it back, for the next tick): the mark shows once that commits.
    run.refresh_from_db()
    while run.mailed_at is None:
        assert time.monotonic() < deadline, worker_log.read_text()[-3000:]
        time.sleep(0.2)
        run.refresh_from_db()
    assert len(list(mail_dir.iterdir())) == 1  # announced once, by the worker or a tick
    # Beat kept ticking every second meanwhile: the due time started one run, one job.
    schedule.refresh_from_db()
    assert schedule.next_run_at > timezone.now()
    assert ExportRun.objects.filter(schedule=schedule).count() == 1
    assert Job.objects.filter(owner=manager).count() == 1
    assert "export_schedules_tick" in worker_log.read_text()
