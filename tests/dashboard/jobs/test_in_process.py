"""A whole job in this process: the command line (`manage.py export_orders`)."""

import csv

from django.core.management import call_command

from dashboard.models import Job


def test_command_line_export_of_two_stores(sandbox, stores, tmp_path):
    out = tmp_path / "orders.csv"
    call_command("export_orders", "--store", "acme,siam", "--format", "csv", "--out", str(out), "--status", "open")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for name in ("acme", "siam"):
        assert [r["order number"] for r in rows if r["store"] == name] == sandbox.order_numbers(name, status="open")
    assert Job.objects.get().owner is None
