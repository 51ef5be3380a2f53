"""The short "store unavailable" mark after persistent failures, and the time bound on
retries, pinned with faked HTTP (the sandbox's fault injection is in test_client.py)."""

import pytest
import requests
import responses

from storeapi.circuit import circuit_open
from storeapi.client import StoreClient
from storeapi.errors import StoreUnavailable
from storeapi.ratelimit import BULK, RateLimiter
from storeapi.retry import RetryPolicy
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db
API = "https://acme.29next.store/api/admin/"
POLICY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.01, max_total=5, jitter=lambda d: d)


@pytest.fixture
def store(settings):
    settings.STOREAPI_STORE_URL = "https://{store}.29next.store"
    store = StoreFactory(subdomain="acme")
    store.set_tokens(access_token="tok")
    store.save()
    return store


def make_client(store, priority="interactive", policy=POLICY):
    return StoreClient(
        store=store,
        priority=priority,
        policy=policy,
        limiter=RateLimiter(key=f"test:circuit:{store.pk}", per_second=1000),
        sleep=lambda s: None,
    )


@responses.activate
def test_persistent_server_errors_open_the_circuit_for_page_views(store):
    responses.get(API + "orders/", status=503)
    with pytest.raises(StoreUnavailable):
        make_client(store).list_page("orders/")
    assert len(responses.calls) == 3
    assert circuit_open(str(store.pk))

    # The next page view fails at once, without asking the store.
    with pytest.raises(StoreUnavailable):
        make_client(store).get("store/")
    assert len(responses.calls) == 3


@responses.activate
def test_bulk_calls_go_on_and_a_success_closes_the_circuit(store):
    responses.get(API + "orders/", status=503)
    with pytest.raises(StoreUnavailable):
        make_client(store).list_page("orders/")
    assert circuit_open(str(store.pk))
    responses.replace(responses.GET, API + "orders/", json={"next": None, "previous": None, "results": []})
    make_client(store, priority=BULK).list_page("orders/")
    assert not circuit_open(str(store.pk))
    assert make_client(store).list_page("orders/").results == []


@responses.activate
def test_one_failed_post_does_not_open_the_circuit(store):
    responses.post(API + "orders/1/notes/", status=502)
    with pytest.raises(StoreUnavailable):
        make_client(store).post("orders/1/notes/", {"message": "x"})
    assert len(responses.calls) == 1
    assert not circuit_open(str(store.pk))


@responses.activate
def test_timeouts_open_the_circuit_and_a_circuit_is_per_store(store):
    other = StoreFactory(subdomain="bergmann")
    other.set_tokens(access_token="tok2")
    other.save()
    responses.get(API + "store/", body=requests.ReadTimeout("slow"))
    with pytest.raises(StoreUnavailable):
        make_client(store).get("store/")
    assert circuit_open(str(store.pk))
    assert not circuit_open(str(other.pk))


def test_time_spent_in_hanging_attempts_counts_against_the_total(store):
    """A store that hangs is not asked again once the attempts used up the total time."""
    ticks = iter(range(0, 1000, 10))  # each reading of the clock: 10 s later
    calls = []

    class HangingSession:
        def request(self, *args, **kwargs):
            calls.append(kwargs["timeout"])
            raise requests.ReadTimeout("no answer")

    policy = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.01, max_total=15, jitter=lambda d: d)
    client = StoreClient(
        store=store,
        priority="bulk",  # a page view does not ask again after a whole read timeout at all
        policy=policy,
        session=HangingSession(),
        limiter=RateLimiter(key=f"test:hang:{store.pk}", per_second=1000),
        sleep=lambda s: None,
        clock=lambda: next(ticks),
    )
    with pytest.raises(StoreUnavailable):
        client.get("store/")
    assert len(calls) == 2  # 10 s + 10 s > 15 s: no third attempt
