"""`manage.py connect_store`: the paste-token service from the command line (the demo uses it)."""

import io

import pytest
import responses
from django.core.management import CommandError, call_command

from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db
ORIGIN = "https://acme.29next.store"


@pytest.fixture(autouse=True)
def https_store_urls(settings):
    settings.STOREAPI_STORE_URL = "https://{store}.29next.store"


def fake_store():
    responses.get(f"{ORIGIN}/api/admin/store/", json=[{"name": "Acme", "timezone": "America/New_York"}])
    responses.post(f"{ORIGIN}/api/admin/webhooks/", status=201, json={"id": 1})
    responses.get(f"{ORIGIN}/api/admin/webhooks/", json={"next": None, "previous": None, "results": []})


def run(monkeypatch, token, *args):
    monkeypatch.setattr("sys.stdin", io.StringIO(token))
    out = io.StringIO()
    call_command("connect_store", *args, stdout=out)
    return out.getvalue()


@responses.activate
def test_connects_from_stdin_and_is_idempotent(monkeypatch):
    owner = OperatorFactory(email="demo@example.com")
    fake_store()
    output = run(monkeypatch, "cli-token-0001\n", "--store", "acme", "--owner", "DEMO@example.com", "--token-file", "-")
    assert "Connected acme" in output
    assert "cli-token-0001" not in output
    store = Store.objects.get(subdomain="acme")
    assert store.access_token() == "cli-token-0001"
    assert Membership.objects.get(store=store, operator=owner).role == Role.OWNER
    calls = len(responses.calls)

    again = run(
        monkeypatch, "other-token", "--store", "acme.29next.store", "--owner", "demo@example.com", "--token-file", "-"
    )
    assert "already connected" in again
    assert len(responses.calls) == calls
    store.refresh_from_db()
    assert store.access_token() == "cli-token-0001"


@responses.activate
def test_reads_a_token_file(tmp_path, monkeypatch):
    OperatorFactory(email="demo@example.com")
    fake_store()
    path = tmp_path / "token"
    path.write_text("file-token-0001")
    run(monkeypatch, "", "--store", "acme", "--owner", "demo@example.com", "--token-file", str(path))
    assert Store.objects.get(subdomain="acme").access_token() == "file-token-0001"


@responses.activate
def test_a_refused_token_is_a_clear_error(monkeypatch):
    OperatorFactory(email="demo@example.com")
    responses.get(f"{ORIGIN}/api/admin/store/", status=401, json={"detail": "Invalid token."})
    with pytest.raises(CommandError, match="did not accept"):
        run(monkeypatch, "bad", "--store", "acme", "--owner", "demo@example.com", "--token-file", "-")
    assert not Store.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "evil.com", "--owner", "demo@example.com", "--token-file", "-"], "not a store"),
        (["--store", "acme", "--owner", "nobody@example.com", "--token-file", "-"], "No operator"),
        (["--store", "acme", "--owner", "demo@example.com", "--token-file", "/nonexistent/x"], "Cannot read"),
    ],
)
def test_bad_arguments(monkeypatch, args, message):
    OperatorFactory(email="demo@example.com")
    with pytest.raises(CommandError, match=message):
        run(monkeypatch, "tok", *args)


def test_an_empty_token_is_refused(monkeypatch):
    OperatorFactory(email="demo@example.com")
    with pytest.raises(CommandError, match="empty"):
        run(monkeypatch, "  \n", "--store", "acme", "--owner", "demo@example.com", "--token-file", "-")
