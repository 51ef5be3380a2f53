"""`manage.py export_orders`: what it refuses before any job is made or any store asked
(the export itself is in test_jobs_worker.py)."""

import pytest
from django.core.management import CommandError, call_command

from dashboard.models import Job
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return StoreFactory(subdomain="acme")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--store", "acme,nope"], "No store 'nope'."),
        (["--store", "acme", "--status", "exploded"], "Invalid filters: status:"),
        (["--store", "acme", "--date-from", "2026-05-01", "--date-to", "2026-04-01"], "Invalid filters: date_placed"),
        (["--store", "acme", "--columns", "number,password,line_id"], "Unknown columns: line_id, password"),
    ],
)
def test_what_the_command_refuses_and_says_why(acme, tmp_path, arguments, message):
    with pytest.raises(CommandError) as refused:
        call_command("export_orders", *arguments, "--out", str(tmp_path / "orders.csv"), "--no-progress")
    assert str(refused.value).startswith(message)
    assert not Job.objects.exists() and not (tmp_path / "orders.csv").exists()
