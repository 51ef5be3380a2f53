"""The fault suite (issue 12): nothing is lost when a worker, Redis, the database or the
store fails.

    make chaos                              # every scenario (about 15 minutes)
    make chaos CHAOS_ARGS=--quick           # the quickest scenarios, for CI (about 3 minutes)
    make chaos CHAOS_ARGS="--only redis-stop,worker-kill-walk"

What it starts, on this machine (loopback only), and stops at the end, even on Ctrl-C:

- a PostgreSQL cluster of its own (`initdb` in a temporary folder, as the `postgres` user
  when run as root), and a redis-server of its own, each on a free port: the machine's
  are never touched, because the suite stops and starts them;
- the sandbox store (tests/sandbox_server.py: acme, bergmann, siam, seeded, at the
  platform's 4 requests/second, page size 10 so that an export takes many pages);
- Storedesk as the Procfile runs it (`release`, then `web` (gunicorn), `worker`, `beat`;
  the process handling is bench/team.py's), the stores connected through Storedesk's
  pasted-token service (which registers its webhooks).

Each scenario, while it runs: an export of the three stores, a bulk action (a note on
some of acme's orders, a note being the one action that shows if it is applied twice)
and two operators viewing pages (store pages in full and their htmx parts, the
all-stores inbox, the jobs). The fault comes once the jobs are under way. Then the
suite waits for every job to end and checks:

- every job finished, or failed with its reason shown on its page;
- every order of the three stores in the export file exactly once (against the
  sandbox's own `orders()`);
- every bulk item applied exactly once (the notes in the sandbox's own database);
  an item reported failed has its reason and was not applied;
- the audit log has every entry: each export's per-store `export.created`, the bulk
  job's `bulk.created`, one `order.note_added` per applied item;
- no page answered a 500 or nothing at all; a 503 must say what is unavailable
  (`data-unavailable`), a store's trouble shows in the page (`data-store-error`).

It prints a table (scenario, jobs, rows, missing, duplicated, 500s, ...) and exits 1 on
any loss. Logs of every process are in var/chaos/.

Two settings are shortened for the suite's processes (both documented in
docs/chaos.md): beat's sweep runs every 10 s instead of 60 (JOBS_SWEEP_SECONDS), and a
part whose task message was lost is enqueued again after 15 s instead of 300
(JOB_REQUEUE_AFTER_SECONDS). With the defaults every scenario that loses task messages
(a killed worker, Redis restarted empty) recovers the same way, only minutes later.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import glob
import html
import io
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.team import (  # noqa: E402  (after the path: the suite runs as a script)
    STORE_ERROR,
    Process,
    form_token,
    procfile_commands,
    storedesk_env,
    wait_until,
)
from config import embedded_redis  # noqa: E402

WORK = BASE_DIR / "var" / "chaos"
STORES = ["acme", "bergmann", "siam"]
BULK_STORE = "acme"
RATE = 4.0  # the platform's requests/second per store
PAGE_SIZE = 10
CLIENT_ID = "storedesk-chaos"
CLIENT_SECRET = "storedesk-chaos-secret-0123456789abcdef"  # noqa: S105 (a throwaway sandbox app)
OWNER_EMAIL = "owner@chaos.example"
OWNER_PASSWORD = "chaos-owner-password-4417"  # noqa: S105
HTTP_TIMEOUT = (5, 60)  # gunicorn's --timeout is 60 s
UNAVAILABLE = re.compile(r'data-unavailable="([^"]*)"')
# Data from the shared cache: "As of 10:42, 40 s ago", and a note when a reason is known
# (the store busy or not answering).
FRESHNESS = re.compile(r'data-freshness>\s*(<span class="text-warning-emphasis)?')


def say(text: str = "") -> None:
    print(text, flush=True)


# --- what a run does ------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    quick: bool
    scenarios: list[str]
    orders_per_store: int
    bulk_orders: int
    fault_seconds: float  # the sandbox's fault modes
    redis_seconds: float
    postgres_seconds: float
    job_timeout: float  # the most a scenario waits for its jobs to end


SCENARIOS = [
    "baseline",
    "worker-kill-walk",
    "worker-kill-assembly",
    "worker-kill-bulk",
    "redis-stop",
    "redis-hang",
    "postgres-stop",
    "store-5xx",
    "store-429",
    "store-hang",
    "store-malformed",
    "store-revoked",
]
QUICK_SCENARIOS = ["worker-kill-walk", "redis-stop", "store-5xx"]


def make_plan(args) -> Plan:
    if args.quick:
        plan = Plan(
            quick=True,
            scenarios=QUICK_SCENARIOS,
            orders_per_store=150,
            bulk_orders=12,
            fault_seconds=8,
            redis_seconds=8,
            postgres_seconds=8,
            job_timeout=150,
        )
    else:
        plan = Plan(
            quick=False,
            scenarios=SCENARIOS,
            orders_per_store=400,
            bulk_orders=30,
            fault_seconds=30,
            redis_seconds=20,
            postgres_seconds=15,
            job_timeout=300,
        )
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
        plan = Plan(**{**plan.__dict__, "scenarios": names})
    return plan


# --- a PostgreSQL cluster and a Redis of the suite's own ---------------------------------------


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if not initdb:
        raise RuntimeError("initdb not found (apt-get install postgresql)")
    return Path(initdb).parent


class OwnPostgres:
    """A throwaway cluster in a temporary folder: trust auth, loopback, a free port.
    PostgreSQL refuses to run as root: then as the `postgres` user."""

    def __init__(self):
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="storedesk-chaos-pg-"))
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.port = embedded_redis.free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/storedesk_chaos"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.root.chmod(0o700)

    def _run(self, *argv: str) -> None:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "storedesk_chaos")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, nothing committed is lost."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class OwnRedis:
    """A redis-server without persistence on a free port: stopped, it starts again empty
    (every queued Celery message is gone, as after losing a Redis without a disk)."""

    def __init__(self):
        self.port = embedded_redis.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = embedded_redis.start(self.port, WORK / "redis")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot stop
            self.process.terminate()
            self.process.wait(timeout=20)

    def pause(self) -> None:
        """SIGSTOP: the kernel still accepts connections, nothing answers (a hung Redis)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


# --- the stack ---------------------------------------------------------------------------------


@dataclass
class Stack:
    plan: Plan
    postgres: OwnPostgres
    redis: OwnRedis
    env: dict = field(default_factory=dict)
    web_url: str = ""
    processes: dict[str, Process] = field(default_factory=dict)
    sandbox: object = None
    sandbox_process: subprocess.Popen | None = None
    sandbox_files: list = field(default_factory=list)
    owner: requests.Session | None = None
    agent_cookie: str = ""

    @property
    def sandbox_db(self) -> Path:
        return self.sandbox_files[0]


def start_process(stack: Stack, name: str) -> Process:
    process = Process(name, procfile_commands(stack.env)[name], stack.env, WORK)
    process.log = WORK / f"{name}.log"  # the suite's folder, not the benchmark's
    process.start()
    stack.processes[name] = process
    return process


def start_stack(stack: Stack) -> None:
    plan = stack.plan
    started = time.monotonic()
    stack.postgres.create()
    stack.redis.start()
    say(
        f"  PostgreSQL (own cluster, {stack.postgres.bin.parent.name}) on port {stack.postgres.port}, "
        f"Redis (own) on port {stack.redis.port}"
    )
    web_port, sandbox_port = embedded_redis.free_port(), embedded_redis.free_port()
    env = storedesk_env(stack.postgres.url, stack.redis.url, web_port, sandbox_port)
    env.update(
        {
            "STOREAPI_CLIENT_ID": CLIENT_ID,
            "STOREAPI_CLIENT_SECRET": CLIENT_SECRET,
            "MEDIA_ROOT": str(WORK / "media"),
            "EXPORT_WORK_DIR": str(WORK / "exports-work"),
            "JOBS_SWEEP_SECONDS": "10",
            "JOB_REQUEUE_AFTER_SECONDS": "15",
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "INFO",
        }
    )
    stack.env, stack.web_url = env, f"http://127.0.0.1:{web_port}"
    os.environ.update(env)  # this process runs Django too (it checks the jobs): the same settings
    os.environ["LOG_LEVEL"] = "WARNING"  # ...but its own log is the table, not every request

    commands = procfile_commands(env)
    with (WORK / "release.log").open("wb") as log:
        subprocess.run(commands["release"], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    for name in ("web", "worker", "beat"):
        start_process(stack, name)
    say("  Storedesk: release, web (gunicorn), worker and beat, as the Procfile runs them")

    from tests import sandbox_server

    seed = ["--orders", str(plan.orders_per_store), "--customers", "40", "--tickets", "20"]
    seed += ["--page-size", str(PAGE_SIZE), "--seed", "42"]
    stack.sandbox, stack.sandbox_process, stack.sandbox_files = sandbox_server.start(STORES, seed)
    for store in STORES:
        stack.sandbox.set_rate_limit(store, RATE)
        stack.sandbox.set_page_size(store, PAGE_SIZE)
    say(f"  sandbox: {len(STORES)} stores x {plan.orders_per_store} orders, {RATE:g} requests/s, page size {PAGE_SIZE}")

    def web_answers() -> bool:
        if not stack.processes["web"].running():
            raise RuntimeError(f"gunicorn exited; see {stack.processes['web'].log}")
        try:
            return requests.get(stack.web_url + "/accounts/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_until(web_answers, seconds=90, what="gunicorn answering")
    say(f"  started in {time.monotonic() - started:.0f} s")


def stop_stack(stack: Stack) -> None:
    for process in reversed(list(stack.processes.values())):
        process.stop()
    if stack.sandbox_process is not None:
        from tests import sandbox_server

        sandbox_server.stop(stack.sandbox_process, stack.sandbox_files)
    stack.redis.stop()
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()
    stack.postgres.remove()


def prepare(stack: Stack) -> None:
    """The owner and an agent; the stores connected; both signed in."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from storeapi.models import Membership, Store
    from storeapi.roles import Role

    owner = get_user_model().objects.create_user(email=OWNER_EMAIL, password=OWNER_PASSWORD)
    connect_stores(stack, owner)
    agent = get_user_model().objects.create_user(email="agent@chaos.example")
    for store in Store.objects.filter(subdomain__in=STORES):
        Membership.objects.create(operator=agent, store=store, role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    stack.agent_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    stack.owner = sign_in(stack, OWNER_EMAIL, OWNER_PASSWORD)
    say(f"  {len(STORES)} stores connected (webhooks registered), the owner signed in")


def connect_stores(stack: Stack, owner) -> None:
    """Through Storedesk's pasted-token service, as the connect page does."""
    from storeapi.connect import store_connect_with_token
    from tests.sandbox_server import ALL_SCOPES

    for store in STORES:
        store_connect_with_token(
            subdomain=store, token=stack.sandbox.issue_token(store, scopes=ALL_SCOPES), operator=owner
        )


def sign_in(stack: Stack, email: str, password: str) -> requests.Session:
    session = requests.Session()
    login = stack.web_url + "/accounts/login/"
    page = session.get(login, timeout=HTTP_TIMEOUT)
    answer = session.post(
        login,
        data={"login": email, "password": password, "csrfmiddlewaretoken": form_token(page.text)},
        headers={"Referer": login},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"{email} could not sign in: {answer.status_code}")
    return session


def processes_alive(stack: Stack) -> list[str]:
    """Restart any of web, worker, beat that exited (and say which)."""
    restarted = []
    for name in ("web", "worker", "beat"):
        if not stack.processes[name].running():
            start_process(stack, name)
            restarted.append(name)
    return restarted


# --- the database, read by the suite (through faults) ------------------------------------------


def db(fn: Callable, *, seconds: float = 60):
    """fn() against the database, waiting out an outage (the postgres-stop scenario)."""
    from django.db import Error, connections

    deadline = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except Error:
            connections.close_all()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# --- page views --------------------------------------------------------------------------------


@dataclass
class View:
    path: str
    htmx: bool
    status: int  # 0: no answer
    unavailable: str  # the 503's data-unavailable
    store_error: str  # a store error box's kind
    cached: str  # "": fresh from the store; "as of": from the cache, saying how old; "note": and why
    at: float
    seconds: float  # until the whole answer was read


class Viewer(threading.Thread):
    """An operator clicking through pages and the htmx parts they load, 0.3-1 s apart."""

    def __init__(self, stack: Stack, session: requests.Session, seed: int, views: list):
        super().__init__(daemon=True)
        self.stack, self.session, self.views = stack, session, views
        self.rng = random.Random(seed)
        self.halt = threading.Event()

    def pages(self) -> list[tuple[str, str | None]]:
        store = self.rng.choice(STORES)
        return [
            (f"/s/{store}/orders/", None),
            (f"/s/{store}/orders/", "order-list"),
            (f"/s/{store}/tickets/", None),
            (f"/s/{store}/tickets/?panel=counts", ""),
            ("/tickets/", None),
            ("/exports/", None),
            ("/exports/", "jobs"),
            ("/", None),
        ]

    def run(self) -> None:
        while not self.halt.is_set():
            for path, target in self.pages():
                if self.halt.is_set():
                    return
                self.view(path, target)
                self.halt.wait(self.rng.uniform(0.3, 1.0))

    def view(self, path: str, target: str | None) -> None:
        headers = {}
        if target is not None:
            headers = {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": self.stack.web_url + path}
        clock = time.perf_counter()
        try:
            answer = self.session.get(
                self.stack.web_url + path, headers=headers, allow_redirects=False, timeout=HTTP_TIMEOUT
            )
            status, text = answer.status_code, answer.text
        except requests.RequestException:
            status, text = 0, ""
        unavailable, error = UNAVAILABLE.search(text), STORE_ERROR.search(text)
        self.views.append(
            View(
                path=path,
                htmx=target is not None,
                status=status,
                unavailable=unavailable.group(1) if unavailable else "",
                store_error=(error.group(1) or "error") if error else "",
                cached=cached_kind(text),
                at=time.time(),
                seconds=time.perf_counter() - clock,
            )
        )


def cached_kind(page: str) -> str:
    found = FRESHNESS.search(page)
    if not found:
        return ""
    return "note" if found.group(1) else "as of"


def bad_view(view: View) -> bool:
    """A 500 (or any 5xx that does not say what is unavailable), or no answer at all."""
    if view.status == 0:
        return True
    return view.status >= 500 and not (view.status == 503 and view.unavailable)


# --- jobs ----------------------------------------------------------------------------------------


def csrf(stack: Stack) -> str:
    from django.conf import settings

    return stack.owner.cookies.get(settings.CSRF_COOKIE_NAME, "")


def export_start(stack: Stack, fmt: str) -> str:
    """The owner exports the orders of the three stores through the export form."""
    url = f"{stack.web_url}/exports/"
    stack.owner.get(url, timeout=HTTP_TIMEOUT)  # the CSRF cookie
    answer = stack.owner.post(
        url,
        data={
            "csrfmiddlewaretoken": csrf(stack),
            "stores": STORES,
            "resource": "orders",
            "format": fmt,
            "source": "api",
            "idempotency_key": uuid.uuid4().hex,
        },
        headers={"Referer": url},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"the export did not start: {answer.status_code} {answer.text[:300]}")
    from dashboard.models import Job

    return str(db(lambda: Job.objects.filter(kind=Job.Kind.EXPORT).latest("created_at").pk))


def bulk_start(stack: Stack, numbers: list[str], note: str) -> str:
    """The owner adds a note to some of acme's orders through the bulk-action form."""
    orders_url = f"{stack.web_url}/s/{BULK_STORE}/orders/"
    answer = stack.owner.post(
        f"{stack.web_url}/s/{BULK_STORE}/bulk/orders/",
        data={
            "csrfmiddlewaretoken": csrf(stack),
            "action": "note_add",
            "value": note,
            "ids": ",".join(numbers),
            "idempotency_key": uuid.uuid4().hex,
            "back": f"/s/{BULK_STORE}/orders/",
        },
        headers={"Referer": orders_url},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    match = re.search(r"/exports/([0-9a-f-]{36})/", answer.headers.get("Location", ""))
    if answer.status_code != 302 or not match:
        raise RuntimeError(f"the bulk job did not start: {answer.status_code} {answer.headers.get('Location')}")
    return match.group(1)


def jobs_ended(job_ids: list[str]) -> bool:
    from dashboard.models import Job

    return not Job.objects.filter(pk__in=job_ids, status__in=Job.ACTIVE_STATUSES).exists()


def export_pages_done(job_id: str) -> int:
    from dashboard.models import JobPart

    return sum(JobPart.objects.filter(job_id=job_id).values_list("pages_done", flat=True))


# --- the faults ------------------------------------------------------------------------------------


@dataclass
class Run:
    scenario: str
    export_id: str = ""
    bulk_id: str = ""
    note: str = ""
    numbers: list[str] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what happened
    fault_over: float | None = None  # time.time() when the fault ended
    seconds: float = 0.0


def wait_for(condition: Callable[[], bool], *, seconds: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if db(condition):
            return True
        time.sleep(interval)
    return False


def mid_walk(run: Run) -> Callable[[], bool]:
    from dashboard.models import Job

    def check() -> bool:
        status = Job.objects.filter(pk=run.export_id).values_list("status", flat=True).first()
        return export_pages_done(run.export_id) >= 3 or status not in Job.ACTIVE_STATUSES

    return check


def kill_worker(stack: Stack, run: Run, when: str) -> None:
    from dashboard.models import Job, JobPart

    worker = stack.processes["worker"]
    log_start = worker.log.stat().st_size

    def worker_log() -> str:  # what the worker logged in this scenario
        with worker.log.open("rb") as fh:
            fh.seek(log_start)
            return fh.read().decode(errors="replace")

    def walking() -> bool:
        parts = list(JobPart.objects.filter(job_id=run.export_id).values_list("status", "pages_done"))
        return sum(p for _, p in parts) >= 3 and any(s != JobPart.Status.DONE for s, _ in parts)

    def assembling() -> bool:
        # The assembly task has reached the worker (it builds the file in a fraction of a
        # second: the log is the quickest sign; the database says nothing until the end).
        return bool(re.search(r"job_assemble\[[0-9a-f-]+\] received", worker_log()))

    def bulking() -> bool:
        part = JobPart.objects.filter(job_id=run.bulk_id).first()
        return part is not None and part.items_total is not None and 3 <= part.items_done < part.items_total

    condition, interval = {"walk": (walking, 0.05), "assembly": (assembling, 0.002), "bulk": (bulking, 0.05)}[when]
    if not wait_for(condition, seconds=120, interval=interval):
        run.notes.append(f"the {when} ended before the kill (window missed)")
        return
    os.killpg(worker.popen.pid, signal.SIGKILL)  # the worker and its pool: nothing acknowledged or cleaned up
    worker.popen.wait(timeout=30)
    detail = ""
    if when == "walk":
        detail = f" at {db(lambda: export_pages_done(run.export_id))} pages"
    elif when == "bulk":
        done = db(lambda: JobPart.objects.get(job_id=run.bulk_id).items_done)
        detail = f" at {done}/{len(run.numbers)} items"
    elif re.search(r"job_assemble\[[0-9a-f-]+\] succeeded", worker_log()):
        detail = " (too late: the assembly had finished; window missed)"
    elif db(lambda: bool(Job.objects.get(pk=run.export_id).file)):
        detail = " (the file was attached)"
    else:
        detail = " (the task received, the file not attached)"
    run.notes.append(f"worker SIGKILLed during the {when}{detail}")
    time.sleep(2)
    start_process(stack, "worker")
    run.fault_over = time.time()


def stop_redis(stack: Stack, run: Run) -> None:
    wait_for(mid_walk(run), seconds=60)
    stack.redis.stop()
    time.sleep(stack.plan.redis_seconds)
    stack.redis.start()
    run.fault_over = time.time()
    run.notes.append(f"Redis stopped {stack.plan.redis_seconds:g} s, started again empty")


def hang_redis(stack: Stack, run: Run) -> None:
    wait_for(mid_walk(run), seconds=60)
    stack.redis.pause()
    time.sleep(stack.plan.redis_seconds)
    stack.redis.resume()
    run.fault_over = time.time()
    run.notes.append(f"Redis paused (SIGSTOP) {stack.plan.redis_seconds:g} s, then resumed with its data")


def stop_postgres(stack: Stack, run: Run) -> None:
    from django.db import connections

    wait_for(mid_walk(run), seconds=60)
    connections.close_all()
    stack.postgres.stop()
    time.sleep(stack.plan.postgres_seconds)
    stack.postgres.start()
    run.fault_over = time.time()
    run.notes.append(f"PostgreSQL stopped {stack.plan.postgres_seconds:g} s (fast shutdown), started again")


STORE_FAULTS = {
    "store-5xx": {"error_rate": 1.0, "error_statuses": [500, 502, 503]},
    "store-429": {"rate_limit_rate": 1.0, "retry_after": 5},
    "store-hang": {"hang_rate": 1.0, "hang_seconds": 30},
    "store-malformed": {"malformed_rate": 1.0},
}


def store_fault(stack: Stack, run: Run) -> None:
    wait_for(mid_walk(run), seconds=60)
    seconds = stack.plan.fault_seconds
    if run.scenario == "store-revoked":
        for store in STORES:
            stack.sandbox.revoke_tokens(store)
        time.sleep(seconds)
        run.fault_over = time.time()
        run.notes.append(f"every token revoked; stores connected again after {seconds:g} s")
        return
    for store in STORES:
        stack.sandbox.set_faults(store, **STORE_FAULTS[run.scenario])
    time.sleep(seconds)
    for store in STORES:
        stack.sandbox.clear_faults(store)
    run.fault_over = time.time()
    run.notes.append(f"{run.scenario[6:]} on every store for {seconds:g} s")


def inject(stack: Stack, run: Run) -> None:
    name = run.scenario
    if name == "baseline":
        return
    if name.startswith("worker-kill-"):
        kill_worker(stack, run, name.removeprefix("worker-kill-"))
    elif name == "redis-stop":
        stop_redis(stack, run)
    elif name == "redis-hang":
        hang_redis(stack, run)
    elif name == "postgres-stop":
        stop_postgres(stack, run)
    else:
        store_fault(stack, run)


def after(stack: Stack, run: Run) -> None:
    """Put things back for the next scenario: stores reconnected after the revocation."""
    if run.scenario == "store-revoked":
        from django.contrib.auth import get_user_model

        owner = db(lambda: get_user_model().objects.get(email=OWNER_EMAIL))
        connect_stores(stack, owner)


# --- one scenario ---------------------------------------------------------------------------------


def run_scenario(stack: Stack, name: str, index: int) -> Run:
    run = Run(scenario=name)
    began = time.monotonic()
    numbers = stack.sandbox.order_numbers(BULK_STORE)
    run.numbers = numbers[index * stack.plan.bulk_orders : (index + 1) * stack.plan.bulk_orders]
    run.note = f"chaos {name} {uuid.uuid4().hex[:8]}"
    from django.conf import settings

    agent = requests.Session()
    agent.cookies.set(settings.SESSION_COOKIE_NAME, stack.agent_cookie)
    viewers = [Viewer(stack, stack.owner, 1 + index, run.views), Viewer(stack, agent, 100 + index, run.views)]
    run.export_id = export_start(stack, "xlsx" if name == "worker-kill-assembly" else "csv")
    run.bulk_id = bulk_start(stack, run.numbers, run.note)
    for viewer in viewers:
        viewer.start()
    try:
        inject(stack, run)
        if not wait_for(lambda: jobs_ended([run.export_id, run.bulk_id]), seconds=stack.plan.job_timeout, interval=0.5):
            run.notes.append(f"jobs still running after {stack.plan.job_timeout:g} s")
        restarted = processes_alive(stack)
        if restarted:
            run.notes.append(f"had exited and were restarted: {', '.join(restarted)}")
        after(stack, run)
        time.sleep(2)  # pages after the recovery count too
    finally:
        for viewer in viewers:
            viewer.halt.set()
        for viewer in viewers:
            viewer.join(timeout=HTTP_TIMEOUT[1] + 10)
    run.seconds = time.monotonic() - began
    return run


# --- the checks ---------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    jobs: str
    rows: int
    missing: int
    duplicated: int
    bad_pages: int
    paused_pages: int  # 503s that said what was unavailable
    store_error_pages: int
    cached_pages: int  # showing data from the cache, saying how old
    noted_pages: int  # ...and why
    slowest: float  # seconds: the slowest page
    views: int
    audit_missing: int
    problems: list[str]
    notes: list[str]
    seconds: float
    recovery: float | None  # from the end of the fault to the last job's end

    @property
    def exercised(self) -> bool:
        return not any("window missed" in note for note in self.notes)

    @property
    def lost(self) -> bool:
        return bool(self.missing or self.duplicated or self.bad_pages or self.audit_missing or self.problems)


def read_export(job) -> list[dict]:
    with job.file.open("rb") as fh:
        data = fh.read()
    if job.file.name.endswith(".xlsx"):
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
        return [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def cell(value) -> str:
    """An order number as the API gives it, from a CSV or XLSX cell."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def notes_in_sandbox(stack: Stack, message: str) -> collections.Counter:
    """Order number -> how many notes with `message` the sandbox's own database holds."""
    uri = f"file:{stack.sandbox_db}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
        rows = connection.execute(
            "SELECT o.number FROM sandbox_ordernote n JOIN sandbox_order o ON o.id = n.order_id "
            "JOIN sandbox_store s ON s.id = o.store_id WHERE s.subdomain = ? AND n.message = ?",
            (BULK_STORE, message),
        ).fetchall()
    return collections.Counter(str(number) for (number,) in rows)


def job_page_shows(stack: Stack, job) -> bool:
    page = stack.owner.get(f"{stack.web_url}/exports/{job.pk}/", timeout=HTTP_TIMEOUT)
    return page.status_code == 200 and html.escape(job.error) in page.text  # escaped as Django escapes


def check(stack: Stack, run: Run) -> Result:
    from dashboard.models import AuditEntry, Job, JobItem

    problems: list[str] = []
    export = db(lambda: Job.objects.get(pk=run.export_id))
    bulk = db(lambda: Job.objects.get(pk=run.bulk_id))
    statuses = collections.Counter()
    for job in (export, bulk):
        statuses[job.status] += 1
        if job.status in Job.ACTIVE_STATUSES:
            problems.append(f"{job.get_kind_display().lower()} still {job.status}")
        elif job.status == Job.Status.FAILED and not (job.error and job_page_shows(stack, job)):
            problems.append(f"{job.get_kind_display().lower()} failed without its reason on its page")

    # Every order of every store exactly once.
    rows, missing, duplicated = 0, 0, 0
    if export.status == Job.Status.FINISHED:
        got = read_export(export)
        rows = len(got)
        for store in STORES:
            expected = set(stack.sandbox.order_numbers(store))
            counts = collections.Counter(cell(r["order number"]) for r in got if r["store"] == store)
            missing += len(expected - set(counts))
            duplicated += sum(n - 1 for n in counts.values() if n > 1)
            stray = set(counts) - expected
            if stray:
                problems.append(f"{len(stray)} rows of {store} that the store does not have")
        if export.rows_total != rows:
            problems.append(f"the export counts {export.rows_total} rows, its file holds {rows}")

    # Every bulk item applied exactly once; a failed one not applied, with its reason.
    applied = notes_in_sandbox(stack, run.note)
    items = db(lambda: list(JobItem.objects.filter(part__job=bulk).values_list("object_id", "status", "message")))
    ok = set()
    for object_id, status, message in items:
        times = applied.get(object_id, 0)
        if times > 1:
            duplicated += times - 1
        if status == JobItem.Status.OK:
            ok.add(object_id)
            if times == 0:
                missing += 1
        elif status == JobItem.Status.FAILED:
            if times:
                problems.append(f"item {object_id} reported failed but applied")
            if not message:
                problems.append(f"item {object_id} failed without a reason")
        elif bulk.status == Job.Status.FINISHED:
            problems.append(f"item {object_id} left {status} in a finished job")
        elif bulk.status == Job.Status.FAILED and times > 0 and status == JobItem.Status.PENDING:
            problems.append(f"item {object_id} applied but still pending")
    if bulk.status == Job.Status.FINISHED and len(items) != len(run.numbers):
        problems.append(f"the bulk job has {len(items)} items for {len(run.numbers)} orders")

    # The audit log: nothing missing.
    def audit():
        entries = AuditEntry.objects.filter(object_id__in=[run.export_id, run.bulk_id])
        created = collections.Counter(entries.values_list("action", flat=True))
        notes = collections.Counter(
            AuditEntry.objects.filter(action="order.note_added", details__job=run.bulk_id).values_list(
                "object_id", flat=True
            )
        )
        return created, notes

    created, audited = db(audit)
    audit_missing = max(0, len(STORES) - created["export.created"]) + max(0, 1 - created["bulk.created"])
    audit_missing += len(ok - set(audited))
    duplicated_audit = sum(n - 1 for n in audited.values() if n > 1)
    if duplicated_audit:
        problems.append(f"{duplicated_audit} audit entries twice")

    # Pages: no 500, no page without an answer.
    bad = [v for v in run.views if bad_view(v)]
    for view in bad[:3]:
        problems.append(f"{view.status or 'no answer'} for {'htmx ' if view.htmx else ''}{view.path}")
    return Result(
        scenario=run.scenario,
        jobs=", ".join(f"{n} {s}" for s, n in sorted(statuses.items())),
        rows=rows,
        missing=missing,
        duplicated=duplicated,
        bad_pages=len(bad),
        paused_pages=sum(1 for v in run.views if v.status == 503 and v.unavailable),
        store_error_pages=sum(1 for v in run.views if v.store_error),
        cached_pages=sum(1 for v in run.views if v.cached),
        noted_pages=sum(1 for v in run.views if v.cached == "note"),
        slowest=max((v.seconds for v in run.views), default=0.0),
        views=len(run.views),
        audit_missing=audit_missing,
        problems=problems,
        notes=run.notes,
        seconds=run.seconds,
        recovery=recovery(run, [export, bulk]),
    )


def recovery(run: Run, jobs: list) -> float | None:
    """Seconds from the end of the fault to the end of the last job (0: they ended during it)."""
    ends = [job.finished_at.timestamp() for job in jobs if job.finished_at]
    if run.fault_over is None or len(ends) < len(jobs):
        return None
    return max(0.0, max(ends) - run.fault_over)


# --- the table --------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    """Markdown: the same table goes into docs/chaos.md."""
    head = [
        "scenario",
        "jobs",
        "rows",
        "missing",
        "duplicated",
        "500s",
        "pages",
        "503 saying what",
        "store error box",
        "cached (saying why)",
        "slowest page",
        "audit missing",
        "jobs ended",
        "took",
        "result",
    ]
    lines = [head]
    for r in results:
        ended = "n/a" if r.recovery is None else f"{r.recovery:.0f} s after"
        result = "LOSS" if r.lost else ("ok" if r.exercised else "ok, fault missed")
        cached = f"{r.cached_pages} ({r.noted_pages})"
        counts = [r.rows, r.missing, r.duplicated, r.bad_pages, r.views, r.paused_pages, r.store_error_pages]
        timings = [f"{r.slowest:.1f} s", str(r.audit_missing), ended, f"{r.seconds:.0f} s"]
        lines.append([r.scenario, r.jobs, *map(str, counts), cached, *timings, result])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        out.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


# --- main ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_SCENARIOS)}, shorter faults (CI)")
    parser.add_argument("--only", help=f"comma-separated scenarios: {', '.join(SCENARIOS)}")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` stops everything too
    plan = make_plan(args)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    stack = Stack(plan=plan, postgres=OwnPostgres(), redis=OwnRedis())
    began = time.monotonic()
    results: list[Result] = []
    say(f"Chaos ({'quick' if plan.quick else 'full'}: {', '.join(plan.scenarios)})")
    try:
        start_stack(stack)
        prepare(stack)
        for index, name in enumerate(plan.scenarios):
            say(f"\n{name} ({time.monotonic() - began:.0f} s into the run)")
            run = run_scenario(stack, name, index)
            result = check(stack, run)
            results.append(result)
            for note in [*result.notes, *result.problems]:
                say(f"  {note}")
            say(
                f"  jobs {result.jobs}; rows {result.rows}, missing {result.missing}, duplicated {result.duplicated}; "
                f"pages {result.views} ({result.bad_pages} 500s or no answer, {result.paused_pages} 503s saying what "
                f"is unavailable, {result.store_error_pages} showing a store error, {result.cached_pages} cached data "
                f"saying how old, {result.noted_pages} of them why); audit missing "
                f"{result.audit_missing}: {'LOSS' if result.lost else 'ok'} ({result.seconds:.0f} s)"
            )
    except KeyboardInterrupt:
        say("\nInterrupted; every process this run started is stopped.")
        return 130
    finally:
        stop_stack(stack)
    say(f"\n{table(results)}\n")
    lost = [r.scenario for r in results if r.lost]
    say(f"Run took {time.monotonic() - began:.0f} s; logs in {WORK.relative_to(BASE_DIR)}/")
    if len(results) < len(plan.scenarios):
        say("Not every scenario ran.")
        return 1
    say(f"LOSS in: {', '.join(lost)}" if lost else "Nothing lost.")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
