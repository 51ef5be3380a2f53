"""Benchmark: what a page costs over the store request it needs, against the sandbox.

    make bench BENCH_ARGS=pages
    make bench BENCH_ARGS="pages --rounds 30 --latency-ms 0"

It starts, on this machine and stops at the end: an embedded Redis, the sandbox store
(seeded, every store at the platform's real 4 requests/second) and a throwaway SQLite
database for Storedesk. Pages are requested through Django's test client (the whole
view, template and middleware stack, no HTTP server in between); every store request
is real HTTP to the sandbox. `--latency-ms` adds that much to each sandbox answer, to
stand for the network between Storedesk and the platform (default 0: loopback).

Figures, each a ratio of medians measured in the same run (targets in brackets):

  list page / raw request          the orders, customers and tickets pages over the same
                                   upstream request made directly with `requests` [≤ 1.25]
  all-stores inbox / slowest store the inbox over three stores, over the slowest of the
                                   three stores' own requests [≤ 1.3]
  cached order / first view        a second view of an unchanged order over the first
                                   (with no upstream request) [≤ 0.3]
  page during export / idle        the orders page while an export of the same store
                                   runs (the jobs engine's code, in a thread) [≤ 1.5]

Requests are paced below the rate limit, so no figure includes waiting for a slot,
except the last, whose point is exactly that.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORK = BASE_DIR / "var" / "bench-pages"
STORES = ["acme", "bergmann", "siam"]
RATE = 4.0
PACE = 1.0 / RATE + 0.1  # seconds between measured requests to one store


def say(text: str) -> None:
    print(text, flush=True)


def _environment() -> None:
    """The settings' environment, before Django reads it (as tests/bootstrap.py does)."""
    from config import embedded_redis

    WORK.mkdir(parents=True, exist_ok=True)
    defaults = {
        "ENV_FILE": "",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "TOKEN_ENCRYPTION_KEYS": "Wm9kGoDt7bqa1_DlhCLUFy3fYzCLQ3OgE5DGhwB9m0Q=",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "STATIC_MANIFEST": "false",
        "STOREAPI_CLIENT_ID": "storedesk-bench",
        "STOREAPI_CLIENT_SECRET": "storedesk-bench-secret-0123456789abcdef",
        "LOG_LEVEL": "WARNING",
    }
    for key, value in defaults.items():
        os.environ[key] = value
    db = WORK / "storedesk.sqlite3"
    for path in WORK.glob("storedesk.sqlite3*"):
        path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    port = embedded_redis.free_port()
    redis_server = embedded_redis.start(port, WORK / "redis")
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ["SANDBOX_PORT"] = str(embedded_redis.free_port())
    os.environ["STOREAPI_STORE_URL"] = f"http://127.0.0.1:{os.environ['SANDBOX_PORT']}/{{store}}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return redis_server


def _median_seconds(fn, rounds: int, pace: float = PACE) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
        time.sleep(pace)
    return statistics.median(samples)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench pages")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BASE_DIR))
    redis_server = _environment()
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests import sandbox_server

    sandbox, process, files = sandbox_server.start()
    try:
        return _run(sandbox, args, cache)
    finally:
        sandbox_server.stop(process, files)
        redis_server.kill()
        shutil.rmtree(WORK, ignore_errors=True)


def _run(sandbox, args, cache) -> int:
    import requests
    from django.test import Client
    from django.urls import reverse

    from storeapi.models import Membership, Store
    from storeapi.roles import Role
    from tests.dashboard.conftest import ALL_SCOPES, SANDBOX_STORES
    from tests.factories import OperatorFactory

    operator = OperatorFactory(email="bench@example.com")
    stores, tokens = {}, {}
    for name in STORES:
        sandbox.set_rate_limit(name, RATE)
        if args.latency_ms:
            sandbox.set_faults(name, latency_ms=args.latency_ms)
        title, currency, zone = SANDBOX_STORES[name]
        store = Store.objects.create(subdomain=name, name=title, currency=currency, timezone=zone)
        store.set_tokens(access_token=sandbox.issue_token(name, scopes=ALL_SCOPES))
        store.status = Store.Status.CONNECTED
        store.save()
        Membership.objects.create(operator=operator, store=store, role=Role.MANAGER)
        stores[name] = store
        tokens[name] = sandbox.issue_token(name, scopes=ALL_SCOPES)  # for the raw requests
    client = Client()
    client.force_login(operator)
    raw_session = requests.Session()

    def raw(name: str, path: str):
        def call():
            response = raw_session.get(
                sandbox.api_url(name, path),
                headers={"Authorization": f"Bearer {tokens[name]}", "X-29Next-Api-Version": "2024-04-01"},
                timeout=30,
            )
            response.raise_for_status()

        return call

    def page(url: str, **extra):
        def call():
            response = client.get(url, **extra)
            assert response.status_code == 200, (url, response.status_code)
            assert b"data-store-error" not in response.content, url

        return call

    say(
        f"sandbox at {sandbox.base_url}, {RATE:g} requests/second per store, "
        f"{args.latency_ms} ms added latency, median of {args.rounds} rounds"
    )
    results = []

    def figure(label: str, ratio: float, limit: float, detail: str) -> None:
        ok = ratio <= limit
        results.append(ok)
        say(f"  {label:<38} {ratio:5.2f}  (target <= {limit:g})  {'ok' if ok else 'MISSED'}   {detail}")

    # Warm up: templates, connections, the ticket types cache.
    for name in STORES:
        page(reverse("ticket_list", kwargs={"store": name}))()
        page(reverse("order_list", kwargs={"store": name}))()
        time.sleep(PACE)

    # 1. List pages over the raw request each one needs.
    for label, url_name, path in (
        ("orders list / raw request", "order_list", "orders/"),
        ("customers list / raw request", "customer_list", "users/"),
        ("tickets inbox / raw request", "ticket_list", "tickets/"),
    ):
        url = reverse(url_name, kwargs={"store": "acme"})
        raw_s = _median_seconds(raw("acme", path), args.rounds)
        page_s = _median_seconds(page(url), args.rounds)
        figure(label, page_s / raw_s, 1.25, f"page {page_s * 1000:.0f} ms, raw {raw_s * 1000:.0f} ms")

    # 2. The all-stores inbox over the slowest single store's request. For reference,
    #    the same three requests made at once with `requests` and no Storedesk: the
    #    sandbox is one process, so three answers at once take longer than one.
    slowest = max(_median_seconds(raw(name, "tickets/"), args.rounds) for name in STORES)
    inbox_s = _median_seconds(page(reverse("all_tickets")), args.rounds)
    with ThreadPoolExecutor(max_workers=len(STORES)) as pool:

        def three_at_once():
            list(pool.map(lambda name: raw(name, "tickets/")(), STORES))

        together_s = _median_seconds(three_at_once, args.rounds)
    figure(
        "all-stores inbox (3) / slowest store",
        inbox_s / slowest,
        1.3,
        f"inbox {inbox_s * 1000:.0f} ms, slowest store {slowest * 1000:.0f} ms; "
        f"the three raw requests at once: {together_s * 1000:.0f} ms ({together_s / slowest:.2f})",
    )

    # 3. A second view of an unchanged order (served from the cache) over the first.
    numbers = sandbox.order_numbers("acme")[: args.rounds]
    first, second, upstream = [], [], 0
    for number in numbers:
        url = reverse("order_detail", kwargs={"store": "acme", "number": number})
        started = time.perf_counter()
        page(url)()
        first.append(time.perf_counter() - started)
        time.sleep(PACE * 2)
        sandbox.clear_request_log("acme")
        started = time.perf_counter()
        page(url)()
        second.append(time.perf_counter() - started)
        upstream += len(sandbox.request_log("acme"))
    first_s, second_s = statistics.median(first), statistics.median(second)
    figure(
        "cached order view / first view",
        second_s / first_s,
        0.3,
        f"second {second_s * 1000:.0f} ms, first {first_s * 1000:.0f} ms, {upstream} upstream requests",
    )
    if upstream:
        say(f"  MISSED: the cached order views made {upstream} upstream requests")

    # 4. A page view while an export of the same store runs: the jobs engine's own code
    #    (`job_run_here`, what a Celery worker runs for a part), in a thread, one export
    #    after another until the measurement ends.
    from django.db import connection

    from dashboard.jobs.create import job_export_create
    from dashboard.jobs.in_process import job_run_here
    from dashboard.models import Job, JobPart

    url = reverse("order_list", kwargs={"store": "acme"})
    idle_s = _median_seconds(page(url), args.rounds)
    stop = threading.Event()
    jobs = []

    def exports():
        try:
            while not stop.is_set():
                job, _ = job_export_create(owner=None, stores=[stores["acme"]])
                jobs.append(job.pk)
                job_run_here(job=job)
        finally:
            connection.close()

    exporter = threading.Thread(target=exports, daemon=True)
    exporter.start()
    time.sleep(2)
    # One view a second: a brisk operator. (Four a second would use the store's whole
    # limit with no export at all.)
    busy_s = _median_seconds(page(url), args.rounds, pace=1.0)
    stop.set()
    Job.objects.filter(pk__in=jobs, status__in=Job.ACTIVE_STATUSES).update(status=Job.Status.CANCELLED)
    exporter.join(timeout=60)
    walked = sum(JobPart.objects.filter(job__in=jobs).values_list("rows_written", flat=True))
    figure(
        "page during export / idle",
        busy_s / idle_s,
        1.5,
        f"busy {busy_s * 1000:.0f} ms, idle {idle_s * 1000:.0f} ms, {walked} rows exported meanwhile",
    )
    cache.clear()
    say(f"  {sum(results)} of {len(results)} figures within their targets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
