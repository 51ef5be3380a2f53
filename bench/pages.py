"""Benchmark: what a page costs over the store request it needs, against the sandbox.

    make bench BENCH_ARGS=pages
    make bench BENCH_ARGS="pages --rounds 30 --latency-ms 0"
    make bench BENCH_ARGS="pages --quick"      # a few rounds, figures printed, not judged (CI)
    make bench BENCH_ARGS="pages --profile orders --rounds 30"   # where that page's CPU goes

It starts, on this machine and stops at the end: an embedded Redis, the sandbox store
(seeded, every store at the platform's real 4 requests/second) and a throwaway SQLite
database for Storedesk. Pages are requested through Django's test client (the whole
view, template and middleware stack, no HTTP server in between); every store request
is real HTTP to the sandbox. `--latency-ms` adds that much to each sandbox answer, to
stand for the network between Storedesk and the platform (default 0: loopback).

First, Storedesk's own work per list page: the page's time minus its upstream wait
[target <= 15 ms], for the orders, customers and tickets lists of one store and the
all-stores inbox and orders. The upstream wait is measured in this process only (the
product has no benchmark hooks): the time during the page when at least one request of
the stores' HTTP session (`storeapi.http.shared_session`) was in flight, plus any time
the rate limiter made the page wait for a slot. Parsing the answer, the cache, the
database, the view and the templates are Storedesk's own work. Each list is measured
twice per round:

  after a change    the resource's lists are marked changed first, as an operator's own
                    write marks them, so nothing cached for the list is served and the
                    store is asked;
  repeated view     the same page again at once, with nothing changed: what most views
                    of a busy team are (served without a store request once lists are
                    cached).

And, not judged, the repeated view again `--rounds` times back to back, with no pause
in between. On this virtual machine a page that follows a pause of a few hundred
milliseconds (the pacing above) takes about half as long again as the same page right
after another one, and a busy loop of 2 ms just before the page takes most of that
difference away (docs/page-speed.md has the experiment; its cause was not pinned down).
The back-to-back figure is the code's cost on a machine that has not idled, as a server
with a team on it has not; the paced figures are the ones judged.

Also, not judged, the machine's speed before and after those figures: a fixed loop of
pure Python, timed. On this virtual machine a loop of the kind took 95 µs at 10:55 and
150 µs at 12:33 on 2 December 2026, and it can change by as much within seconds; the
pages' figures move with it.

Beside each: `cpu`, the CPU time this process spent on the page (all its threads). On a
busy machine the wall-clock figures also hold the time spent waiting for a core; the CPU
time does not (nor the time Redis and the database take in their own processes), so it
is the steadier of the two when comparing changes.

Then the figures of earlier rounds, each a ratio of medians measured in the same run
(targets in brackets):

  list page / raw request          the orders, customers and tickets pages (after a
                                   change) over the same upstream request made directly
                                   with `requests` [<= 1.25]
  all-stores inbox / slowest store the inbox over three stores (after a change), over the
                                   slowest of the three stores' own requests [<= 1.3]
  cached order / first view        a second view of an unchanged order over the first
                                   (with no upstream request) [<= 0.3]
  page during export / idle        the orders page while an export of the same store
                                   runs (the jobs engine's code, in a thread) [<= 1.5]

Requests are paced below the rate limit, so no figure includes waiting for a slot,
except the last, whose point is exactly that.
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORK = BASE_DIR / "var" / "bench-pages"
STORES = ["acme", "bergmann", "siam"]
RATE = 4.0
PACE = 1.0 / RATE + 0.1  # seconds between measured requests to one store
OWN_WORK_TARGET_MS = 15.0
QUICK_ROUNDS = 3


# Threads that refresh cached reads after a page has answered (storeapi.background): the
# page does not wait for them, so their requests are not part of its upstream wait.
BACKGROUND_THREADS = ("storeapi-background",)


class UpstreamClock:
    """When this process was waiting for a store: each request of the stores' HTTP
    session, and each wait the rate limiter imposed, as (start, end) intervals.

    Installed by the benchmark on the shared session object and the limiter class of
    this process only (instrumentation, not a product feature)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._intervals: list[tuple[float, float, bool]] = []  # (start, end, an HTTP request)

    def _add(self, start: float, end: float, request: bool) -> None:
        if threading.current_thread().name.startswith(BACKGROUND_THREADS):
            return
        with self._lock:
            self._intervals.append((start, end, request))

    def install(self) -> None:
        from storeapi.http import shared_session
        from storeapi.ratelimit import RateLimiter

        session = shared_session()
        send = session.request

        def timed_request(*args, **kwargs):
            started = time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                self._add(started, time.perf_counter(), True)

        session.request = timed_request
        acquire = RateLimiter.acquire

        def timed_acquire(limiter, *args, **kwargs):
            waited = acquire(limiter, *args, **kwargs)
            if waited:
                ended = time.perf_counter()
                self._add(ended - waited, ended, False)
            return waited

        RateLimiter.acquire = timed_acquire

    def clear(self) -> None:
        with self._lock:
            self._intervals.clear()

    def waited(self, start: float, end: float) -> tuple[float, int]:
        """(seconds within [start, end] when at least one wait was under way, how many
        HTTP requests there were)."""
        with self._lock:
            clipped = sorted((max(a, start), min(b, end), r) for a, b, r in self._intervals if b > start and a < end)
        total, reach = 0.0, start
        for a, b, _ in clipped:
            if b > reach:
                total += b - max(a, reach)
                reach = b
        return total, sum(1 for *_, request in clipped if request)


def after_a_change(store_id: int, resource: str) -> None:
    """What an operator's own write to `resource` does: the next view of its lists asks
    the store, whatever was cached."""
    from storeapi.cache import lists_changed

    if "own" in inspect.signature(lists_changed).parameters:
        lists_changed(store_id, resource, own=True)
    else:  # before the shared list cache (issue 16), every change counted as one
        lists_changed(store_id, resource)


@dataclass
class Sample:
    page: float  # seconds, the whole page through the test client
    upstream: float  # seconds of it spent waiting for stores
    requests: int
    cpu: float  # seconds of CPU this process spent on the page (every thread of it)

    @property
    def own(self) -> float:
        return self.page - self.upstream


PROFILED = ["orders", "customers", "tickets", "all-tickets", "all-orders"]  # --profile, in `lists` order


def _profile(label: str, url: str, view, views: int, out: str | None = None) -> None:
    """Where the page spends its CPU time: `views` views (paced below the rate limit),
    under cProfile with a CPU clock; the functions by cumulative and by own time. Only
    the request's thread is profiled (the all-stores pages ask the stores in others)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.thread_time)
    for _ in range(views):
        profiler.enable()
        view()
        profiler.disable()
        time.sleep(PACE)
    say(f"  {label} ({url}), {views} views, CPU seconds in the request's thread:")
    if out:
        profiler.dump_stats(out)  # for pstats or snakeviz: callers, callees
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


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


def machine_speed_ms() -> float:
    """The same fixed loop of pure Python (no I/O, little memory), median of 15, in ms:
    how fast this machine runs at the moment. Its speed changes within hours (by 1.6
    times on 2 December 2026), and every figure of the run with it; printed beside them
    so that a slower machine can be told apart from slower code. Not judged."""
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        total = 0
        for i in range(100_000):
            total += i * i
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


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
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds, figures printed but not judged (CI)"
    )
    parser.add_argument(
        "--profile",
        choices=PROFILED,
        help="instead of the figures: where one list page spends its CPU time (cProfile, --rounds views)",
    )
    parser.add_argument("--profile-out", metavar="FILE", help="with --profile: also save the profile to FILE")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds = min(args.rounds, QUICK_ROUNDS)

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

    clock = UpstreamClock()
    clock.install()

    def sample(url: str) -> Sample:
        clock.clear()
        cpu_started = time.process_time()
        started = time.perf_counter()
        page(url)()
        ended = time.perf_counter()
        cpu = time.process_time() - cpu_started
        upstream, requests_made = clock.waited(started, ended)
        return Sample(ended - started, upstream, requests_made, cpu)

    speed_before = machine_speed_ms()
    say(
        f"sandbox at {sandbox.base_url}, {RATE:g} requests/second per store, "
        f"{args.latency_ms} ms added latency, median of {args.rounds} rounds"
        + (" (quick: figures not judged)" if args.quick else "")
    )
    results = []

    def verdict(ok: bool) -> str:
        if args.quick:
            return ""
        results.append(ok)
        return "ok" if ok else "MISSED"

    def figure(label: str, ratio: float, limit: float, detail: str) -> None:
        say(f"  {label:<38} {ratio:5.2f}  (target <= {limit:g})  {verdict(ratio <= limit)}   {detail}")

    # Warm up: templates, connections, the ticket types cache.
    for name in STORES:
        page(reverse("ticket_list", kwargs={"store": name}))()
        page(reverse("order_list", kwargs={"store": name}))()
        time.sleep(PACE)

    # 1. Storedesk's own work per list page, after a change and on a repeated view.
    lists = (
        ("orders list", reverse("order_list", kwargs={"store": "acme"}), ["acme"], "orders"),
        ("customers list", reverse("customer_list", kwargs={"store": "acme"}), ["acme"], "users"),
        ("tickets inbox", reverse("ticket_list", kwargs={"store": "acme"}), ["acme"], "tickets"),
        ("all-stores inbox (3)", reverse("all_tickets"), STORES, "tickets"),
        ("all-stores orders (3)", reverse("all_orders"), STORES, "orders"),
    )
    if args.profile:
        label, url, *_ = lists[PROFILED.index(args.profile)]
        _profile(label, url, page(url), args.rounds, args.profile_out)
        return 0
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries = {}
    for label, url, *_ in lists:  # once, untimed: the database queries of each page
        with CaptureQueriesContext(connection) as captured:
            page(url)()
        queries[label] = len(captured.captured_queries)
        time.sleep(PACE)
    changed: dict[str, list[Sample]] = {label: [] for label, *_ in lists}
    repeated: dict[str, list[Sample]] = {label: [] for label, *_ in lists}
    for _ in range(args.rounds):
        for label, url, names, resource in lists:
            for name in names:
                after_a_change(stores[name].pk, resource)
            changed[label].append(sample(url))
            time.sleep(PACE)
            repeated[label].append(sample(url))
            time.sleep(PACE)

    # The repeated view again, one after another with no pause: the same code, on a core
    # that has not idled (not judged; see the docstring).
    back_to_back: dict[str, list[Sample]] = {label: [] for label, *_ in lists}
    for label, url, *_ in lists:
        for _ in range(args.rounds):
            back_to_back[label].append(sample(url))

    def own_line(samples: list[Sample]) -> str:
        own = statistics.median(s.own for s in samples)
        page_s = statistics.median(s.page for s in samples)
        upstream = statistics.median(s.upstream for s in samples)
        made = statistics.median(s.requests for s in samples)
        cpu = statistics.median(s.cpu for s in samples)
        mark = verdict(own * 1000 <= OWN_WORK_TARGET_MS)
        return (
            f"own {_ms(own):>5} ms {mark:<6} (cpu {_ms(cpu)}; page {_ms(page_s)}, upstream {_ms(upstream)} ms, "
            f"{made:g} req)"
        )

    say(f"  Storedesk's own work per page = page - upstream wait (target <= {OWN_WORK_TARGET_MS:g} ms):")
    say(f"  {'':<24} {'after a change (the store asked)':<70} repeated view")
    for label, *_ in lists:
        say(f"  {label:<24} {own_line(changed[label]):<70} {own_line(repeated[label])}  {queries[label]} queries")
    say(
        f"  machine speed (a fixed loop of pure Python; lower is faster; not judged): {speed_before:.1f} ms "
        f"before these figures, {machine_speed_ms():.1f} ms after"
    )
    say("  the repeated view, back to back (no pause between views; not judged):")
    for label, *_ in lists:
        own = statistics.median(s.own for s in back_to_back[label])
        cpu = statistics.median(s.cpu for s in back_to_back[label])
        say(f"  {label:<24} own {_ms(own):>5} ms (cpu {_ms(cpu)})")

    # 2. List pages (after a change: the store is asked) over the raw request each needs.
    for label, list_label, path in (
        ("orders list / raw request", "orders list", "orders/"),
        ("customers list / raw request", "customers list", "users/"),
        ("tickets inbox / raw request", "tickets inbox", "tickets/"),
    ):
        raw_s = _median_seconds(raw("acme", path), args.rounds)
        page_s = statistics.median(s.page for s in changed[list_label])
        figure(label, page_s / raw_s, 1.25, f"page {page_s * 1000:.0f} ms, raw {raw_s * 1000:.0f} ms")

    # The all-stores inbox over the slowest single store's request. For reference,
    # the same three requests made at once with `requests` and no Storedesk: the
    # sandbox is one process, so three answers at once take longer than one.
    slowest = max(_median_seconds(raw(name, "tickets/"), args.rounds) for name in STORES)
    inbox_s = statistics.median(s.page for s in changed["all-stores inbox (3)"])
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
    from dashboard.jobs.create import job_export_create
    from dashboard.jobs.in_process import job_run_here
    from dashboard.models import Job, JobPart

    # A view that asks the store (after a change), as in the ratios above:
    # a cached page would not meet the export at all.
    url = reverse("order_list", kwargs={"store": "acme"})

    def orders_after_change():
        after_a_change(stores["acme"].pk, "orders")
        page(url)()

    idle_s = _median_seconds(orders_after_change, args.rounds)
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
    busy_s = _median_seconds(orders_after_change, args.rounds, pace=1.0)
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
    if args.quick:
        say("  quick run: figures printed, not judged")
    else:
        say(f"  {sum(results)} of {len(results)} figures within their targets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
