import pytest

# --- a real Celery worker for the webhook tests ------------------------------------------------
# The shared `celery_worker` fixture (tests/conftest.py) when there is one; otherwise a
# small worker of our own, started once per session.


def _database_url(db: dict) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def _storeapi_worker_process(django_db_setup, django_db_blocker):
    import os
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    from config.celery import app

    base = Path(__file__).resolve().parent.parent.parent
    queue = f"storedesk-tests-{uuid.uuid4().hex[:10]}"
    app.conf.task_default_queue = queue
    log_path = base / "var" / f"celery-storeapi-{os.getpid()}.log"
    log_path.parent.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "PYTHONUNBUFFERED": "1",
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "--pool", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log_path.unlink(missing_ok=True)


@pytest.fixture
def storeapi_celery_worker(request, transactional_db):
    """A worker for this test; its data must be committed (transactional_db)."""
    try:
        return request.getfixturevalue("celery_worker")
    except pytest.FixtureLookupError:
        pass
    from config.celery import app

    queue = request.getfixturevalue("_storeapi_worker_process")
    # Each test flushes Redis, which drops the broker's queue binding: declare it again.
    with app.connection_for_write() as conn:
        app.amqp.queues[queue](conn.default_channel).declare()
    return queue
