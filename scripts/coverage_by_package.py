"""Print line and branch coverage per top-level package, from coverage.py's JSON report.

    python scripts/coverage_by_package.py var/coverage/coverage.json

`make test` runs it after the tests. The percentage is computed as coverage.py's own
total is: covered lines and branches over all lines and branches. The Storedesk figure
leaves the sandbox out: it is a test double, exercised by the tests but never deployed.
See docs/coverage.md.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path, PurePosixPath

STOREDESK = ("accounts", "config", "dashboard", "storeapi")
FIELDS = ("num_statements", "missing_lines", "num_branches", "missing_branches", "num_partial_branches")


def totals_by_package(report: dict) -> dict[str, dict[str, int]]:
    packages: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    for path, data in report["files"].items():
        package = PurePosixPath(path.replace("\\", "/")).parts[0]
        for field in FIELDS:
            packages[package][field] += data["summary"].get(field, 0)
    return dict(packages)


def add_up(rows: list[dict[str, int]]) -> dict[str, int]:
    return {field: sum(row[field] for row in rows) for field in FIELDS}


def percent(row: dict[str, int]) -> str:
    total = row["num_statements"] + row["num_branches"]
    missed = row["missing_lines"] + row["missing_branches"]
    return f"{100 * (total - missed) / total:.1f}%" if total else "-"


def line(name: str, row: dict[str, int]) -> str:
    return (
        f"{name:<28}{row['num_statements']:>7}{row['missing_lines']:>7}"
        f"{row['num_branches']:>9}{row['missing_branches']:>7}{row['num_partial_branches']:>8}{percent(row):>8}"
    )


def main(path: str) -> int:
    packages = totals_by_package(json.loads(Path(path).read_text()))
    print("\nCoverage by package (lines and branches; per file: var/coverage/html/index.html)")
    print(f"{'package':<28}{'lines':>7}{'miss':>7}{'branches':>9}{'miss':>7}{'partial':>8}{'cover':>8}")
    for name in STOREDESK:
        if name in packages:
            print(line(name, packages[name]))
    print(line("Storedesk (the above)", add_up([packages[n] for n in STOREDESK if n in packages])))
    for name in sorted(set(packages) - set(STOREDESK)):
        print(line(f"{name} (not in the figure)", packages[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "var/coverage/coverage.json"))
