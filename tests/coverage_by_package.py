"""Line and branch coverage per top-level package, from coverage.py's JSON report.

`make test` loads this as a pytest plugin (`-p tests.coverage_by_package`): after
pytest-cov has written its JSON report, the table is printed with the test summary.
Also a script, for a report written earlier:

    python -m tests.coverage_by_package var/coverage/coverage.json

The percentage is computed as coverage.py's own total is: covered lines and branches
over all lines and branches. The Storedesk figure leaves the sandbox out: it is a test
double, exercised by the tests but never deployed. See docs/coverage.md.
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


def table(report: dict) -> list[str]:
    packages = totals_by_package(report)
    lines = [f"{'package':<28}{'lines':>7}{'miss':>7}{'branches':>9}{'miss':>7}{'partial':>8}{'cover':>8}"]
    lines += [line(name, packages[name]) for name in STOREDESK if name in packages]
    lines.append(line("Storedesk (the above)", add_up([packages[n] for n in STOREDESK if n in packages])))
    lines += [line(f"{name} (not in the figure)", packages[name]) for name in sorted(set(packages) - set(STOREDESK))]
    return lines


def pytest_terminal_summary(terminalreporter, config):
    path = (getattr(config.option, "cov_report", None) or {}).get("json")
    if path and Path(path).is_file():
        terminalreporter.write_sep("-", "coverage by package (per file: var/coverage/html/index.html)")
        for text in table(json.loads(Path(path).read_text())):
            terminalreporter.write_line(text)


def main(path: str) -> int:
    for text in table(json.loads(Path(path).read_text())):
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "var/coverage/coverage.json"))
