"""Fixtures of the dashboard's tests: stores connected to the sandbox, members by role.

    acme = connect_store("acme")                  # a Store row with a fresh sandbox token
    client = login_as(acme, Role.AGENT)           # a member with that role, signed in

Tests here that need the sandbox ask for `connect_store` (or `acme`), which starts it.
"""

import uuid
from datetime import timedelta

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.jobs.assembly import export_file_name
from dashboard.models import Job, JobPart
from storeapi.models import Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

# The sandbox's seeded stores, as Storedesk knows them once connected.
SANDBOX_STORES = {
    "acme": ("Acme Outfitters", "USD", "America/New_York"),
    "bergmann": ("Bergmann Haushaltswaren", "EUR", "Europe/Berlin"),
    "siam": ("Siam Silk", "THB", "Asia/Bangkok"),
}
ALL_SCOPES = (
    "store:read orders:read orders:write users:read users:write tickets:read tickets:write "
    "exports:read exports:write webhooks:read webhooks:write"
)
# Phone and e-mail sales also read the catalogue and the transactions.
PHONE_SCOPES = f"{ALL_SCOPES} catalogue:read transactions:read"
VERSION = {"X-29Next-Api-Version": "2024-04-01"}
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    # The platform's rate limit is the sandbox's business here (tests of it set one there).
    settings.STOREAPI_RATE_LIMIT_PER_SECOND = 1000
    # A store that failed is not marked down for a while: tests here make a store fail,
    # then show that Retry works once it answers again (storeapi's tests cover the mark).
    settings.STOREAPI_CIRCUIT_OPEN_SECONDS = 0


@pytest.fixture
def connect_store(db, sandbox):
    def connect(subdomain: str = "acme", *, scopes: str = ALL_SCOPES) -> Store:
        name, currency, zone = SANDBOX_STORES[subdomain]
        store, _ = Store.objects.get_or_create(
            subdomain=subdomain, defaults={"name": name, "currency": currency, "timezone": zone}
        )
        store.set_tokens(access_token=sandbox.issue_token(subdomain, scopes=scopes))
        store.status = Store.Status.CONNECTED
        store.scopes = scopes
        store.save()
        return store

    return connect


@pytest.fixture
def acme(connect_store):
    return connect_store("acme")


@pytest.fixture
def login_as(client):
    def login(store: Store, role: str = Role.VIEWER, operator=None):
        operator = operator or OperatorFactory()
        MembershipFactory(operator=operator, store=store, role=role)
        client.force_login(operator)
        client.operator = operator
        return client

    return login


def api_get(sandbox, store: str, path: str, **params):
    """What the sandbox's API answers, read with a token of our own (ground truth)."""
    token = sandbox.issue_token(store)
    response = requests.get(
        sandbox.api_url(store, path),
        params=params,
        headers={"Authorization": f"Bearer {token}", "X-29Next-Api-Version": "2024-04-01"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def new_paid_order(sandbox, store: str = "acme") -> str:
    """A new, paid, unfulfilled order that no other test has touched: one the store lets
    us cancel and refund. (New orders' payments vary, as at checkout; a canceled order
    without a payment would surprise other suites sharing the sandbox.)"""
    for _ in range(20):
        number = sandbox.create_orders(store, count=1)[0]
        if api_get(sandbox, store, f"orders/{number}/")["payment_status"] == "paid":
            return number
    raise AssertionError("the sandbox placed no paid order in 20 tries")


@pytest.fixture
def job_files(settings, tmp_path):
    """Export files and jobs' intermediate files in this test's own directory (for
    tests that make jobs in this process, without a worker)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_WORK_DIR = tmp_path / "work"


def finished_job(owner, stores, *, content=b"store,number\nacme,1\n", fmt="csv", **extra):
    """A finished export with its file in storage, as the assembly leaves it."""
    job = Job.objects.create(owner=owner, format=fmt, status=Job.Status.FINISHED, **extra)
    for n, store in enumerate(stores):
        JobPart.objects.create(job=job, store=store, position=n, status=JobPart.Status.DONE)
    job.file.name = default_storage.save(f"exports/{job.pk}/{uuid.uuid4().hex}.{fmt}", ContentFile(content))
    job.file_name = export_file_name(job, stores)
    job.expires_at = timezone.now() + timedelta(days=7)
    job.finished_at = timezone.now()
    job.rows_total = 1
    job.save()
    return job


@pytest.fixture
def shop(connect_store):
    """Acme, connected with the scopes of phone and e-mail sales."""
    return connect_store("acme", scopes=PHONE_SCOPES)


class Api:
    """The sandbox's Admin API, straight (to prepare data and to read what happened)."""

    def __init__(self, sandbox, store="acme"):
        self.sandbox, self.store = sandbox, store
        self.headers = {**VERSION, "Authorization": f"Bearer {sandbox.issue_token(store, PHONE_SCOPES)}"}

    def __call__(self, method, path, **kwargs):
        response = requests.request(
            method, self.sandbox.api_url(self.store, path), headers=self.headers, timeout=30, **kwargs
        )
        return response.json() if response.content else None


@pytest.fixture
def api(sandbox):
    return Api(sandbox)


_counter = iter(range(1, 100_000))


def unique_email(prefix="buyer") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}.{next(_counter)}@example.com"


@pytest.fixture
def buyer(api):
    """A fresh customer with no saved address."""
    return api("POST", "users/", json={"email": unique_email(), "first_name": "Ana", "last_name": "Lee"})
