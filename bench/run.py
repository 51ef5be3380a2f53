"""`make bench`: run the benchmarks and print their figures.

Each benchmark is a script in this folder with a `main(argv) -> int`; they run against
a sandbox store they start themselves, with the platform's real rate limit.

    make bench                       # all of them
    make bench BENCH_ARGS=exports    # one of them (extra arguments go to it)
"""

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BENCHMARKS = ["exports", "pages"]


def main(argv: list[str]) -> int:
    names = [argv[0]] if argv and argv[0] in BENCHMARKS else BENCHMARKS
    extra = argv[1:] if argv and argv[0] in BENCHMARKS else argv
    status = 0
    for name in names:
        if not (HERE / f"{name}.py").exists():
            print(f"(benchmark {name!r} is not written yet)")
            continue
        print(f"\n=== {name} ===", flush=True)
        status |= importlib.import_module(f"bench.{name}").main(extra)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
