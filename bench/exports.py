"""Benchmark: exports through a real Celery worker against the sandbox, at the real 4/s.

    make bench BENCH_ARGS=exports            # 10,000 and 50,000 orders, and 3 x 10,000
    make bench BENCH_ARGS="exports --quick"  # 500 / 1,500 / 3 x 500: a smoke run, not judged

What it starts, all on this machine and stopped at the end: an embedded Redis, two
sandbox stores (one with three stores of N orders, one with one store of 5 x N orders,
seeded by `seed_sandbox` at the platform's 4 requests/second), a Storedesk SQLite
database, and for each scenario a fresh `celery worker` (so that its peak memory is
that scenario's). It prints, per scenario: orders per second, the achieved request
rate over the allowed one, 429 answers, requests per page, the worker's peak RSS,
and whether the file holds every order exactly once (compared with the sandbox's own
SQLite database).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config import embedded_redis  # noqa: E402

PYTHON = sys.executable
WORK = BASE_DIR / "var" / "bench-exports"
RATE = 4.0
PAGE_SIZE = 50
STALL_SECONDS = 180
CLIENT_ID = "storedesk-bench"
LARGE_STORE = "zenith"  # the one store of the large sandbox
CLIENT_SECRET = "storedesk-bench-secret-0123456789abcdef"  # noqa: S105 (a throwaway app in a throwaway sandbox)


def say(text: str) -> None:
    print(text, flush=True)


# --- processes ------------------------------------------------------------------------------


class Sandbox:
    def __init__(self, name: str, stores: list[str], orders: int, port: int, base_env: dict):
        self.name, self.stores, self.orders, self.port = name, stores, orders, port
        self.db = WORK / f"sandbox-{name}.sqlite3"
        self.log = WORK / f"sandbox-{name}.log"
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **base_env,
            "SANDBOX_DATABASE_URL": f"sqlite:///{self.db}",
            "SANDBOX_CONTROL_ENABLED": "true",
            "SANDBOX_REQUEST_LOG_SIZE": str(orders * 2 // PAGE_SIZE + 1000),
            "SANDBOX_LOG_LEVEL": "WARNING",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        with self.log.open("a") as log:
            subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=self.env, stdout=log, stderr=log, check=True)

    def prepare(self) -> None:
        from tests.sandbox_server import _migrated_template

        started = time.monotonic()
        with self.log.open("a") as log:  # a migrated database made once and copied, as the tests do
            shutil.copyfile(_migrated_template(self.env, log), self.db)
        self.manage(
            "seed_sandbox",
            "--stores",
            ",".join(self.stores),
            "--orders",
            str(self.orders),
            "--customers",
            str(max(100, self.orders // 10)),
            "--tickets",
            "10",
            "--page-size",
            str(PAGE_SIZE),
            "--rate-limit",
            str(RATE),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        )
        say(
            f"  seeded sandbox {self.name}: {', '.join(self.stores)} x {self.orders:,} orders "
            f"in {time.monotonic() - started:.0f} s"
        )

    def start(self) -> None:
        log = self.log.open("a")
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "runsandbox", f"127.0.0.1:{self.port}", "--quiet"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url + "/", timeout=1)
                return
            except requests.RequestException:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sandbox {self.name} did not start; see {self.log}") from None
                time.sleep(0.1)

    def control(self, method: str, path: str, payload=None):
        response = requests.request(method, f"{self.url}/_control/{path}", json=payload, timeout=120)
        response.raise_for_status()
        return response.json()

    def issue_token(self, store: str) -> str:
        return self.control("POST", f"stores/{store}/tokens/", {"scopes": "orders:read store:read"})["access_token"]

    def request_log(self, store: str) -> list[dict]:
        return self.control("GET", f"stores/{store}/requests/")["requests"]

    def clear_request_log(self, store: str) -> None:
        self.control("DELETE", f"stores/{store}/requests/")

    def order_numbers(self, store: str) -> list[str]:
        """The ground truth, straight from the sandbox's database."""
        with sqlite3.connect(self.db) as connection:
            rows = connection.execute(
                "SELECT o.number FROM sandbox_order o JOIN sandbox_store s ON s.id = o.store_id WHERE s.subdomain = ?",
                (store,),
            ).fetchall()
        return [str(number) for (number,) in rows]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Worker:
    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        handle = self.log.open("w")
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-c",
                "4",
                "--pool",
                "prefork",
                "-l",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench-{os.getpid()}@%h",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(1)
        if self.process.poll() is not None:
            raise RuntimeError(f"the worker did not start; see {self.log}")

    def peak_rss_mib(self) -> float:
        """The highest peak RSS (VmHWM) among the worker's pool processes."""
        peak = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                pgrp = int(stat.rsplit(")", 1)[1].split()[2])
                if pgrp != self.process.pid or int(entry.name) == self.process.pid:
                    continue
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
            except (OSError, ValueError, IndexError):
                continue
        return peak / 1024

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


# --- one scenario -------------------------------------------------------------------------------


def run_scenario(label: str, sandbox: Sandbox, subdomains: list[str], base_env: dict) -> dict:
    from django.db import connections

    from dashboard.jobs.create import job_export_create
    from dashboard.models import Job
    from dashboard.tasks import job_enqueue
    from storeapi.models import Store

    env = {**base_env, "STOREAPI_STORE_URL": f"{sandbox.url}/{{store}}"}
    # This process creates the job; its StoreClient is never used, but settings must agree.
    stores = []
    for name in subdomains:
        store = Store.objects.get(subdomain=f"{name}")
        stores.append(store)
    for name in subdomains:
        sandbox.clear_request_log(name)
    worker = Worker(env, WORK / f"worker-{label.replace(' ', '-')}.log")
    worker.start()
    try:
        job, _ = job_export_create(owner=None, stores=stores, fmt="csv", enqueue=job_enqueue)
        last, last_change = -1, time.monotonic()
        while True:
            job.refresh_from_db()
            if job.status not in Job.ACTIVE_STATUSES:
                break
            rows = sum(job.parts.values_list("rows_written", flat=True))
            if rows != last:
                if sys.stdout.isatty():
                    sys.stdout.write(f"\r  {label}: {rows:>7,} rows")
                    sys.stdout.flush()
                last, last_change = rows, time.monotonic()
            elif time.monotonic() - last_change > STALL_SECONDS:
                raise RuntimeError(f"{label}: no progress for {STALL_SECONDS} s; see {worker.log}")
            time.sleep(0.5)
        sys.stdout.write(f"\r  {label}: {job.rows_total or 0:>7,} rows, {job.status}\n")
        peak = worker.peak_rss_mib()
    finally:
        worker.stop()
        connections.close_all()
    if job.status != Job.Status.FINISHED:
        raise RuntimeError(f"{label}: the job ended {job.status}: {job.error}")
    elapsed = (job.finished_at - job.started_at).total_seconds()

    # The file against the sandbox's database.
    exported: dict[str, list[str]] = {name: [] for name in subdomains}
    with job.file.open("rb") as fh:
        reader = csv.DictReader(line.decode("utf-8-sig") for line in fh)
        for row in reader:
            exported[row["store"]].append(row["order number"])
    missing = duplicated = 0
    for name in subdomains:
        truth = set(sandbox.order_numbers(name))
        got = exported[name]
        duplicated += len(got) - len(set(got))
        missing += len(truth - set(got))
        missing += len(set(got) - truth)  # rows that are not orders of the store count too

    # The traffic as the sandbox saw it.
    ratios, list_requests, pages, too_many = [], 0, 0, 0
    for part in job.parts.all():
        log = [r for r in sandbox.request_log(part.store.subdomain) if r["method"] == "GET"]
        too_many += sum(1 for r in log if r["status"] == 429)
        lists = [r for r in log if r["path"].rstrip("/").endswith("/orders")]
        list_requests += len(lists)
        pages += part.pages_done
        stamps = sorted(r["ts"] for r in log)
        if len(stamps) > 1:
            ratios.append(((len(stamps) - 1) / (stamps[-1] - stamps[0])) / RATE)
            gaps = sorted(b - a for a, b in itertools.pairwise(stamps))
            server_ms = sorted(r["duration_ms"] for r in log)
            say(
                f"    {part.store.subdomain}: {len(stamps)} requests, gap median {gaps[len(gaps) // 2] * 1000:.0f} ms, "
                f"max {gaps[-1] * 1000:.0f} ms; store answered in median {server_ms[len(server_ms) // 2]:.0f} ms, "
                f"max {server_ms[-1]:.0f} ms"
            )
    job.file.delete(save=False)
    return {
        "label": label,
        "orders": job.rows_total,
        "seconds": elapsed,
        "orders_per_second": job.rows_total / elapsed,
        "achieved_over_allowed": min(ratios) if ratios else 0.0,
        "ratios": ratios,
        "status_429": too_many,
        "requests_per_page": list_requests / pages if pages else 0.0,
        "peak_rss_mib": peak,
        "missing_or_foreign": missing,
        "duplicated": duplicated,
    }


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench exports")
    parser.add_argument("--quick", action="store_true", help="500-order scenarios (a smoke run, not judged)")
    parser.add_argument("--keep", action="store_true", help="keep var/bench-exports afterwards")
    args = parser.parse_args(argv)
    # `kill` (or CI's end) still stops the worker, the sandboxes and Redis.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    small = 500 if args.quick else 10_000
    large = 1500 if args.quick else 50_000

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    redis_port = embedded_redis.free_port()
    redis_server = embedded_redis.start(redis_port, WORK / "redis")
    from cryptography.fernet import Fernet

    base_env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{WORK / 'storedesk.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/1",
        "CELERY_TASK_DEFAULT_QUEUE": "bench-exports",
        "STOREAPI_RATE_LIMIT_PER_SECOND": str(RATE),
        "STOREAPI_CLIENT_ID": CLIENT_ID,
        "STOREAPI_CLIENT_SECRET": CLIENT_SECRET,
        "MEDIA_ROOT": str(WORK / "media"),
        "EXPORT_WORK_DIR": str(WORK / "work"),
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    three = Sandbox("three", ["acme", "bergmann", "siam"], small, embedded_redis.free_port(), base_env)
    # The large store is a store of its own, not `acme` again: a store that jobs ran on keeps
    # its audit trail (AuditEntry.store is PROTECT), so it is never deleted between scenarios.
    one = Sandbox("large", [LARGE_STORE], large, embedded_redis.free_port(), base_env)
    try:
        say(f"Seeding the sandboxes (this takes a while for {large:,} orders)…")
        for sandbox in (three, one):
            sandbox.prepare()
            sandbox.start()

        os.environ.update({k: v for k, v in base_env.items() if k not in ("DJANGO_SETTINGS_MODULE",)})
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=os.environ, check=True
        )
        import django

        django.setup()
        from storeapi.models import Store

        def connect(sandbox: Sandbox, name: str, subdomain: str):
            store, _ = Store.objects.update_or_create(
                subdomain=subdomain,
                defaults={"name": name, "status": Store.Status.CONNECTED, "timezone": "UTC"},
            )
            store.set_tokens(access_token=sandbox.issue_token(name))
            store.save()

        results = []
        say(f"Exports at {RATE:.0f} requests/second per store, {PAGE_SIZE} orders per page:")
        for name in three.stores:
            connect(three, name, name)
        results.append(run_scenario(f"1 store x {small:,}", three, ["acme"], base_env))
        for name in three.stores:  # fresh tokens: the platform limits per token
            connect(three, name, name)
        results.append(run_scenario(f"3 stores x {small:,}", three, three.stores, base_env))
        connect(one, LARGE_STORE, LARGE_STORE)
        results.append(run_scenario(f"1 store x {large:,}", one, [LARGE_STORE], base_env))
    finally:
        for sandbox in (three, one):
            sandbox.stop()
        redis_server.kill()
        if not args.keep:
            shutil.rmtree(WORK / "media", ignore_errors=True)

    say("")
    header = (
        "scenario",
        "orders",
        "seconds",
        "orders/s",
        "achieved/allowed",
        "429s",
        "req/page",
        "peak RSS MiB",
        "missing",
        "dup",
    )
    say(" | ".join(header))
    for r in results:
        say(
            f"{r['label']} | {r['orders']:,} | {r['seconds']:.1f} | {r['orders_per_second']:.1f} | "
            f"{r['achieved_over_allowed']:.3f} | {r['status_429']} | {r['requests_per_page']:.2f} | "
            f"{r['peak_rss_mib']:.1f} | {r['missing_or_foreign']} | {r['duplicated']}"
        )
    single, multi, large_run = results
    speedup = multi["orders_per_second"] / single["orders_per_second"]
    memory = large_run["peak_rss_mib"] / single["peak_rss_mib"] - 1
    checks = [
        ("achieved/allowed ≥ 0.95 (every store of every run)", min(min(r["ratios"]) for r in results) >= 0.95),
        (f"three stores ≥ 2.8 x one store: {speedup:.2f} x", speedup >= 2.8),
        (f"peak memory at {large:,} within 10 % of {small:,}: {memory:+.1%}", abs(memory) <= 0.10),
        (
            "zero missing or duplicated rows",
            all(r["missing_or_foreign"] == 0 and r["duplicated"] == 0 for r in results),
        ),
        ("one request per page", all(abs(r["requests_per_page"] - 1.0) < 1e-9 for r in results)),
    ]
    say("")
    if args.quick:  # a smoke run: the code paths, not the figures
        for text, _ in checks:
            say(f"  [not judged: --quick] {text}")
        return 0
    for text, ok in checks:
        say(f"  [{'ok' if ok else 'MISSED'}] {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
