"""`make bench`: run the benchmarks and print their figures.

Each benchmark is a module in this folder with a `main(argv) -> int`; they run against
a sandbox store they start themselves, with the platform's real rate limit.

    make bench                             # all of them, in full
    make bench BENCH_ARGS=--quick          # all of them in their quick mode (CI: seconds, not judged)
    make bench BENCH_ARGS=exports          # one of them (extra arguments go to it)
    make bench BENCH_ARGS="team --quick"

Each benchmark runs in a process of its own: they configure Django differently (their
own databases and Redis), and Django reads its settings once per process.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE_DIR = HERE.parent

BENCHMARKS = ["exports", "pages", "team"]


def accepts_quick(name: str) -> bool:
    """Whether the benchmark has a `--quick` mode (every one should; see docs/benchmarks.md)."""
    return '"--quick"' in (HERE / f"{name}.py").read_text()


def run_one(name: str, args: list[str]) -> int:
    """The benchmark in its own Python process; Ctrl-C or SIGTERM reach it, and it cleans up."""
    process = subprocess.Popen([sys.executable, "-m", f"bench.{name}", *args], cwd=BASE_DIR)
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                # The terminal sent SIGINT to the benchmark too; let it finish its cleanup.
                try:
                    process.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    process.kill()
                raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str]) -> int:
    if argv and argv[0] in BENCHMARKS:
        names, extra = [argv[0]], argv[1:]
    else:
        names, extra = BENCHMARKS, argv
        unknown = [a for a in extra if a != "--quick"]
        if unknown:
            print(f"Only --quick goes to every benchmark; name one for {' '.join(unknown)}: {', '.join(BENCHMARKS)}")
            return 2
    quick = "--quick" in extra
    status, timings = 0, []
    for name in names:
        if not (HERE / f"{name}.py").exists():
            print(f"(benchmark {name!r} is not written yet)")
            continue
        if quick and not accepts_quick(name):
            print(f"\n=== {name} === skipped: it has no --quick mode yet")
            timings.append((name, "skipped"))
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        try:
            code = run_one(name, extra)
        except KeyboardInterrupt:
            print(f"\n{name}: interrupted")
            return 130
        timings.append((name, f"{time.monotonic() - started:.0f} s" + (f", exit {code}" if code else "")))
        status |= code
    if len(names) > 1:
        print("\n" + "; ".join(f"{name}: {what}" for name, what in timings))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
