"""The sandbox stays a separate program: Storedesk never imports it, and its control
endpoint (a test harness) exists only when switched on. Its data is the same for the
same seed (the demo and the tests count on it)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
STOREDESK_PACKAGES = ["accounts", "config", "dashboard", "storeapi"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_storedesk_never_imports_the_sandbox():
    files = [p for package in STOREDESK_PACKAGES for p in (BASE_DIR / package).rglob("*.py")]
    assert len(files) > 50
    offenders = {
        str(p.relative_to(BASE_DIR)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "sandbox")
        for p in files
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def absolute_imports(path: Path) -> set[str]:
    """Every module the file imports, relative imports resolved (`from .x import y` in
    sandbox/core/services.py -> sandbox.core.x and sandbox.core.x.y)."""
    package = list(path.relative_to(BASE_DIR).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_the_running_sandbox_never_imports_the_seeding_package():
    """The API, the store dashboard, the payment pages and the worker run without the
    seed; only `seed_sandbox` and the control endpoint (a test harness that places random
    orders) use it."""
    users = {
        str(p.relative_to(BASE_DIR))
        for p in (BASE_DIR / "sandbox").rglob("*.py")
        if "seeding" not in p.parts
        and any(m == "sandbox.core.seeding" or m.startswith("sandbox.core.seeding.") for m in absolute_imports(p))
    }
    assert users == {"sandbox/core/control.py", "sandbox/core/management/commands/seed_sandbox.py"}


PROBE = """
import django
django.setup()
from django.test import Client
print(Client().get("/_control/").status_code)
"""


@pytest.mark.parametrize(("enabled", "status"), [("false", 404), ("true", 200)])
def test_the_control_endpoint_exists_only_when_enabled(enabled, status, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "ENV_FILE": "",
        "SANDBOX_CONTROL_ENABLED": enabled,
        "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
    }
    if enabled == "true":  # the overview lists the stores: it needs the tables
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
        )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == str(status)


def seeded_rows(tmp_path, name: str, seed: int) -> list[tuple]:
    import sqlite3

    db = tmp_path / f"{name}.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "ENV_FILE": "",
        "SANDBOX_DATABASE_URL": f"sqlite:///{db}",
    }
    seeding = ["seed_sandbox", "--anchor-date", "2026-01-31", "--seed", str(seed), "--client-secret", "s"]
    seeding += ["--orders", "40", "--customers", "15", "--tickets", "8"]
    for command in (["migrate", "--noinput", "-v", "0"], seeding):
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    with sqlite3.connect(db) as connection:
        orders = connection.execute(
            "SELECT s.subdomain, o.number, o.status, o.payment_status, o.date_placed, c.email"
            " FROM sandbox_order o JOIN sandbox_store s ON s.id = o.store_id"
            " LEFT JOIN sandbox_customer c ON c.id = o.customer_id ORDER BY s.subdomain, o.number"
        ).fetchall()
        # The stock too (what the catalogue pages and the low-stock view show).
        stock = connection.execute(
            "SELECT s.subdomain, p.sku, l.name, r.num_in_stock, r.num_allocated, r.low_stock_threshold"
            " FROM sandbox_stockrecord r JOIN sandbox_product p ON p.id = r.product_id"
            " JOIN sandbox_location l ON l.id = r.location_id JOIN sandbox_store s ON s.id = p.store_id"
            " ORDER BY s.subdomain, p.sku, l.name"
        ).fetchall()
        return orders + stock


def test_the_seed_is_deterministic(tmp_path):
    first, again, other = (seeded_rows(tmp_path, n, s) for n, s in (("a", 7), ("b", 7), ("c", 8)))
    assert len(first) == 3 * 40 + 3 * 30 * 2  # orders, and stock of 30 items at two locations
    assert first == again
    assert first != other
