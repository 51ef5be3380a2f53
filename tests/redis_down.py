"""A Storedesk web server on a Redis of the test's own, which the test stops, pauses and
starts again (issue 12, finding 7): tests/dashboard/test_unavailable.py and the browser's
tests/e2e/test_unavailable_browser.py. A plugin of the root conftest.py.

    own_redis        a redis-server on a free port: .stop(), .start() (same port, empty),
                     .pause() (SIGSTOP: a hung Redis), .resume()
    own_redis_web    gunicorn (as the Procfile runs it, one worker) on the test database and
                     own_redis; its base URL
    acme_owner       an owner of acme (connected to the sandbox) who signs in with PASSWORD
    sign_in(url, email) -> requests.Session signed in through allauth's form
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from config import embedded_redis
from storeapi.roles import Role
from tests.celery_worker import BASE_DIR, worker_env
from tests.factories import MembershipFactory, OperatorFactory

PASSWORD = "redis-down-password-5521"
TIMEOUT = 30  # seconds: no request may hang; each answer comes in a few seconds


class OwnRedis:
    """A redis-server on a free port, stopped and started again by the test."""

    def __init__(self, workdir: Path):
        self.port, self.workdir = embedded_redis.free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = embedded_redis.start(self.port, self.workdir)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel and never answered (a hung Redis)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.resume()
        server.stop()


@pytest.fixture
def own_redis_web(own_redis, transactional_db, sandbox, tmp_path):
    """gunicorn on the test database and the test's own Redis; its URL."""
    port = embedded_redis.free_port()
    env = worker_env(REDIS_URL=own_redis.url, ALLOWED_HOSTS="127.0.0.1", SECURE_COOKIES="false")
    log = (tmp_path / "web.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--timeout", "60"),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/accounts/login/", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "web.log").read_text()
        time.sleep(0.2)
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


def sign_in(url: str, email: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{url}/accounts/login/", data=sign_in_form(session, url, email), allow_redirects=False, timeout=TIMEOUT
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def sign_in_form(session: requests.Session, url: str, email: str) -> dict:
    page = session.get(f"{url}/accounts/login/", timeout=TIMEOUT).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    session.headers["Referer"] = f"{url}/accounts/login/"
    return {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token}


@pytest.fixture
def acme_owner(connect_store):
    operator = OperatorFactory()
    hasher = PBKDF2PasswordHasher()  # the server's own (the tests' MD5 is not in its settings)
    operator.password = hasher.encode(PASSWORD, hasher.salt())
    operator.save()
    MembershipFactory(operator=operator, store=connect_store("acme"), role=Role.OWNER)
    return operator
