"""A whole job in this process: the command line (`manage.py export_orders`)."""

import csv

import pytest
from django.core.management import CommandError, call_command

from dashboard.models import Job
from tests.factories import StoreFactory


def test_command_line_export_of_two_stores(sandbox, stores, tmp_path):
    out = tmp_path / "orders.csv"
    call_command("export_orders", "--store", "acme,siam", "--format", "csv", "--out", str(out), "--status", "open")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for name in ("acme", "siam"):
        assert [r["order number"] for r in rows if r["store"] == name] == sandbox.order_numbers(name, status="open")
    assert Job.objects.get().owner is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--store", "acme,nope"], "No store 'nope'."),
        (["--store", "acme", "--status", "exploded"], "Invalid filters: status:"),
        (["--store", "acme", "--date-from", "2026-05-01", "--date-to", "2026-04-01"], "Invalid filters: date_placed"),
        (["--store", "acme", "--columns", "number,password,line_id"], "Unknown columns: line_id, password"),
    ],
)
def test_what_the_command_refuses_before_making_a_job(db, tmp_path, arguments, message):
    StoreFactory(subdomain="acme")
    with pytest.raises(CommandError) as refused:
        call_command("export_orders", *arguments, "--out", str(tmp_path / "orders.csv"), "--no-progress")
    assert str(refused.value).startswith(message)
    assert not Job.objects.exists() and not (tmp_path / "orders.csv").exists()
