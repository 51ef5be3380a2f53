"""`make demo`: prepare everything, start every process, print where to sign in.

Safe to run again: secrets are generated once into `.env`, migrations and seeding are
idempotent, the demo operator's password is reset to the same value.

The demo runs the way production does: DEBUG off, gunicorn, whitenoise serving the
collected static files, the site's own error pages (an operator who opens another
store's URL sees "Not found", not Django's debug page listing every URL pattern). Only
what plain HTTP on 127.0.0.1 needs differs (no HTTPS redirect, no secure-only cookies,
no HSTS). `make demo DEBUG=true` (`scripts/demo.py --debug`) runs Django's development
server with DEBUG on instead, for developers who want the debug pages and reloading.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PYTHON = sys.executable
ENV_FILE = BASE_DIR / ".env"
WEB_URL = "http://127.0.0.1:8000"
SANDBOX_URL = "http://127.0.0.1:8100"
EMBEDDED_REDIS_PORT = 6390
# The demo's partner app, registered in the sandbox store by seed_sandbox.
DEMO_CLIENT_ID = "storedesk-demo"
# Connected for the demo operator by `make demo`; `siam` is left to connect by hand.
DEMO_CONNECTED_STORES = ("acme", "bergmann")
DEMO_SCOPES = (
    "store:read orders:read orders:write users:read users:write tickets:read tickets:write "
    "exports:read exports:write webhooks:read webhooks:write catalogue:read transactions:read"
)


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def read_env_file() -> dict[str, str]:
    values = {}
    if ENV_FILE.exists():
        for line in ENV_FILE.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def ensure_env_file() -> dict[str, str]:
    """Write `.env` with generated secrets the first time; keep it afterwards."""
    values = read_env_file()
    # No DEBUG here: the demo sets it for its processes (`demo_environment`).
    defaults = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "STOREAPI_CLIENT_ID": DEMO_CLIENT_ID,
        "STOREAPI_CLIENT_SECRET": secrets.token_urlsafe(40),
        "STOREAPI_STORE_URL": SANDBOX_URL + "/{store}",
        "SITE_URL": WEB_URL,
        "DEMO_EMAIL": os.environ.get("DEMO_EMAIL", "demo@example.com"),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", secrets.token_urlsafe(12)),
    }
    missing = {k: v for k, v in defaults.items() if k not in values}
    if missing:
        with ENV_FILE.open("a") as fh:
            if not values:
                fh.write("# Written by `make demo` for this machine. Not for production.\n")
            for key, value in missing.items():
                fh.write(f"{key}={value}\n")
        values.update(missing)
    # Explicit DEMO_EMAIL / DEMO_PASSWORD in the environment win over the file.
    for key in ("DEMO_EMAIL", "DEMO_PASSWORD"):
        if os.environ.get(key):
            values[key] = os.environ[key]
    return values


def demo_environment(*, debug: bool) -> dict[str, str]:
    """The settings the demo's processes run with, over `.env` (the environment wins
    over the file: an old `.env` that says DEBUG=true does not switch the debug pages on).
    As in production but for plain HTTP on this machine; with `debug`, Django's
    development settings (DEBUG on, static files served as they are, no collectstatic)."""
    return {
        "DEBUG": "true" if debug else "false",
        "STATIC_MANIFEST": "false" if debug else "true",
        # http://127.0.0.1:8000: no redirect to HTTPS, cookies sent over HTTP, no HSTS.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
    }


def web_command(*, debug: bool, bind: str = "127.0.0.1:8000") -> str:
    """The web process: gunicorn as in the Procfile, or the reloading development server."""
    if debug:
        return f"{PYTHON} manage.py runserver {bind}"
    return f"{PYTHON} -m gunicorn config.wsgi --bind {bind} --workers 2 --threads 4 --timeout 60"


def choose_redis() -> tuple[str, bool]:
    # Imported here: importing `config` sets up Celery, which scripts/screenshots.py,
    # importing this module for WEB_URL and read_env_file, has no use for.
    from config import embedded_redis

    url = os.environ.get("REDIS_URL")
    if url and embedded_redis.redis_answers(url):
        return url, False
    if url:
        say(f"REDIS_URL={url} does not answer; using an embedded Redis instead.")
    return f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0", True


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def connect_demo_store(store: str, values: dict[str, str], *, env: dict) -> None:
    """A token from the sandbox (`sandbox_token`), handed to `connect_store` on stdin."""
    scopes = values.get("STOREAPI_SCOPES") or DEMO_SCOPES
    issued = subprocess.run(
        [PYTHON, "manage.py", "sandbox_token", "--store", store, "--scopes", scopes],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    lines = [line.strip() for line in issued.stdout.splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"sandbox_token printed no token for {store}.")
    subprocess.run(
        [PYTHON, "manage.py", "connect_store", "--store", store, "--owner", values["DEMO_EMAIL"], "--token-file", "-"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        input=lines[-1] + "\n",
        text=True,
    )


def wait_for(url: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return True
        except requests.RequestException:
            time.sleep(0.3)
    return False


def write_procfile(use_embedded_redis: bool, *, debug: bool) -> Path:
    lines = [
        f"web: {web_command(debug=debug)}",
        f"worker: {PYTHON} -m celery -A config worker --loglevel=info --concurrency=2",
        f"beat: {PYTHON} -m celery -A config beat --loglevel=info --schedule var/celerybeat-schedule",
    ]
    if (BASE_DIR / "sandbox" / "settings.py").exists():
        lines.append(f"store: {PYTHON} manage.py runsandbox 127.0.0.1:8100")
    if use_embedded_redis:
        lines.append(f"redis: {PYTHON} -m config.embedded_redis {EMBEDDED_REDIS_PORT}")
    path = BASE_DIR / "var" / "Procfile.demo"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Storedesk demo.")
    parser.add_argument(
        "--debug", action="store_true", help="Django's debug pages and development server (make demo DEBUG=true)"
    )
    debug = parser.parse_args(argv).debug
    (BASE_DIR / "var").mkdir(exist_ok=True)
    values = ensure_env_file()
    redis_url, use_embedded_redis = choose_redis()
    env = {**os.environ, **demo_environment(debug=debug), "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}

    say("Migrating the database")
    manage("migrate", "--noinput", "-v0", env=env)
    if not debug:
        say("Collecting the static files (whitenoise serves them, as in production)")
        manage("collectstatic", "--noinput", "-v0", env=env)
    sandbox_present = (BASE_DIR / "sandbox" / "settings.py").exists()
    if sandbox_present:
        say("Preparing the sandbox store (first run seeds about 6,000 orders)")
        manage("sandbox_migrate", env=env)
        manage(
            "seed_sandbox",
            "--if-empty",
            "--client-id",
            values["STOREAPI_CLIENT_ID"],
            "--client-secret",
            values["STOREAPI_CLIENT_SECRET"],
            "--staff-email",
            values["DEMO_EMAIL"],
            env=env,
        )
    manage("demo_operator", "--email", values["DEMO_EMAIL"], "--password", values["DEMO_PASSWORD"], env=env)
    manage("demo_macros", "--email", values["DEMO_EMAIL"], env=env)

    say(
        "Starting web, worker, beat"
        + (", store" if sandbox_present else "")
        + (", redis" if use_embedded_redis else "")
    )
    procfile = write_procfile(use_embedded_redis, debug=debug)
    honcho = subprocess.Popen(
        [PYTHON, "-m", "honcho", "-f", str(procfile), "-d", str(BASE_DIR), "-e", "var/no-such.env", "start"],
        cwd=BASE_DIR,
        env=env,
    )
    signal.signal(signal.SIGINT, lambda *_: honcho.send_signal(signal.SIGINT))
    signal.signal(signal.SIGTERM, lambda *_: honcho.send_signal(signal.SIGTERM))

    if sandbox_present and wait_for(SANDBOX_URL + "/"):
        # acme and bergmann through the paste-token path; siam is left for the newcomer
        # to connect through the sandbox's consent screen (docs/stores.md, "Demo walkthrough").
        for store in DEMO_CONNECTED_STORES:
            try:
                connect_demo_store(store, values, env=env)
            except subprocess.CalledProcessError as exc:
                say(f"Could not connect {store} ({exc.stderr or 'see above'}); connect it from the web page.")
    if wait_for(WEB_URL + "/accounts/login/"):
        print(
            "\n"
            "  Storedesk is running:  " + WEB_URL + "/\n"
            "  Sign in as:            " + values["DEMO_EMAIL"] + "\n"
            "  Password:              "
            + values["DEMO_PASSWORD"]
            + "\n"
            + (f"  Sandbox store:         {SANDBOX_URL}/acme/dashboard/\n" if sandbox_present else "")
            + (
                "  DEBUG is on: Django's debug pages and development server.\n"
                if debug
                else "  Runs as in production (DEBUG off); `make demo DEBUG=true` for the debug pages.\n"
            )
            + "  Stop with Ctrl+C.\n",
            flush=True,
        )
    return honcho.wait()


if __name__ == "__main__":
    sys.exit(main())
