"""StoreClient's error mapping and retry policy, pinned exactly with faked HTTP.

Integration tests against the sandbox store over real HTTP are in test_client.py;
here the `responses` library stands in for the network so every branch is exact.
The rate limiter is the real one, on the test Redis.
"""

import logging

import pytest
import requests
import responses

from storeapi.client import StoreClient, required_scope
from storeapi.errors import (
    InvalidRequest,
    MissingScope,
    NotFound,
    RateLimited,
    StoreNotConnected,
    StoreUnavailable,
    TokenRevoked,
    UnexpectedResponse,
)
from storeapi.models import Store
from storeapi.ratelimit import RateLimiter
from storeapi.retry import RetryPolicy
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

ACCESS = "secret-access-token-0001"
REFRESH = "secret-refresh-token-0001"
NO_JITTER = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02, max_total=5, jitter=lambda d: d)


@pytest.fixture
def store(settings):
    settings.STOREAPI_STORE_URL = "https://{store}.29next.store"
    store = StoreFactory(subdomain="acme")
    store.set_tokens(access_token=ACCESS, refresh_token=REFRESH)
    store.save()
    return store


@pytest.fixture
def client(store):
    sleeps = []
    client = StoreClient(
        store=store,
        policy=NO_JITTER,
        limiter=RateLimiter(key=f"test:client:{store.pk}", per_second=1000),
        sleep=sleeps.append,
    )
    client.sleeps = sleeps
    return client


API = "https://acme.29next.store/api/admin/"


@responses.activate
def test_headers_are_sent(client, settings):
    responses.get(API + "store/", json={"name": "Acme"})
    assert client.get("store/") == {"name": "Acme"}
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {ACCESS}"
    assert sent.headers["X-29Next-Api-Version"] == settings.STOREAPI_API_VERSION


@responses.activate
def test_list_page_returns_results_and_the_next_cursor(client):
    responses.get(
        API + "orders/",
        json={"next": API + "orders/?cursor=abc123&status=open", "previous": None, "results": [{"number": 1}]},
    )
    page = client.list_page("orders/", {"status": "open"})
    assert page.results == [{"number": 1}]
    assert page.next_cursor == "abc123"
    assert page.previous_cursor is None


@responses.activate
def test_iter_pages_follows_cursors_to_the_end(client):
    responses.get(API + "orders/", json={"next": API + "orders/?cursor=p2", "previous": None, "results": [{"n": 1}]})
    responses.get(API + "orders/", json={"next": None, "previous": API + "orders/?cursor=p1", "results": [{"n": 2}]})
    pages = list(client.iter_pages("orders/"))
    assert [p.results for p in pages] == [[{"n": 1}], [{"n": 2}]]
    assert "cursor=p2" in responses.calls[1].request.url


@responses.activate
def test_get_retries_server_errors_then_succeeds(client):
    responses.get(API + "store/", status=503)
    responses.get(API + "store/", status=502)
    responses.get(API + "store/", json={"ok": True})
    assert client.get("store/") == {"ok": True}
    assert len(responses.calls) == 3
    assert client.sleeps == [0.01, 0.02]  # exponential, capped


@responses.activate
def test_persistent_server_errors_become_store_unavailable(client):
    responses.get(API + "store/", status=500)
    with pytest.raises(StoreUnavailable):
        client.get("store/")
    assert len(responses.calls) == NO_JITTER.max_attempts


@responses.activate
def test_post_is_not_retried_on_server_errors(client):
    responses.post(API + "orders/1/notes/", status=502)
    with pytest.raises(StoreUnavailable):
        client.post("orders/1/notes/", {"message": "hi"})
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_not_retried_after_a_read_timeout(client):
    responses.post(API + "orders/1/cancel/", body=requests.ReadTimeout("slow"))
    with pytest.raises(StoreUnavailable):
        client.post("orders/1/cancel/", {})
    assert len(responses.calls) == 1


@responses.activate
def test_a_jobs_get_is_retried_after_a_timeout(store):
    responses.get(API + "store/", body=requests.ReadTimeout("slow"))
    responses.get(API + "store/", json={"ok": True})
    client = StoreClient(
        store=store,
        priority="bulk",
        policy=NO_JITTER,
        limiter=RateLimiter(key=f"test:client:{store.pk}", per_second=1000),
        sleep=lambda _s: None,
    )
    assert client.get("store/") == {"ok": True}


@responses.activate
def test_a_page_views_get_is_not_retried_after_a_whole_read_timeout(client):
    responses.get(API + "store/", body=requests.ReadTimeout("slow"))
    responses.get(API + "store/", json={"ok": True})
    with pytest.raises(StoreUnavailable):
        client.get("store/")
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_retried_when_the_connection_never_opened(client):
    responses.post(API + "orders/1/notes/", body=requests.ConnectTimeout("no route"))
    responses.post(API + "orders/1/notes/", json={"id": 1}, status=201)
    assert client.post("orders/1/notes/", {"message": "hi"}) == {"id": 1}


@responses.activate
def test_429_is_retried_on_any_method_after_retry_after(client, store):
    responses.post(API + "orders/1/notes/", status=429, headers={"Retry-After": "0"})
    responses.post(API + "orders/1/notes/", json={"id": 1}, status=201)
    assert client.post("orders/1/notes/", {"message": "hi"}) == {"id": 1}


@responses.activate
def test_429_with_a_long_retry_after_gives_up_with_rate_limited(client):
    responses.get(API + "store/", status=429, headers={"Retry-After": "600"})
    with pytest.raises(RateLimited) as excinfo:
        client.get("store/")
    assert excinfo.value.retry_after == 120  # parsed and capped
    assert len(responses.calls) == 1


@responses.activate
def test_401_refreshes_once_then_retries(client, store, settings):
    settings.STOREAPI_CLIENT_ID = "cid"
    settings.STOREAPI_CLIENT_SECRET = "csecret"
    responses.get(API + "store/", status=401, json={"detail": "Invalid token."})
    responses.post(
        "https://acme.29next.store/oauth2/token/",
        json={
            "access_token": "new-access",
            "refresh_token": "new-refresh",
            "token_type": "Bearer",
            "expires_in": 36000,
        },
    )
    responses.get(API + "store/", json={"ok": True})

    assert client.get("store/") == {"ok": True}

    token_request = responses.calls[1].request
    assert "grant_type=refresh_token" in token_request.body
    assert "client_secret=csecret" in token_request.body  # in the form body, as the platform expects
    assert responses.calls[2].request.headers["Authorization"] == "Bearer new-access"
    store.refresh_from_db()
    assert store.access_token() == "new-access"
    assert store.refresh_token() == "new-refresh"
    assert store.status == Store.Status.CONNECTED


@responses.activate
def test_401_with_a_dead_refresh_token_marks_the_store(client, store, settings):
    settings.STOREAPI_CLIENT_ID = "cid"
    responses.get(API + "store/", status=401, json={"detail": "Invalid token."})
    responses.post("https://acme.29next.store/oauth2/token/", status=400, json={"error": "invalid_grant"})

    with pytest.raises(TokenRevoked):
        client.get("store/")

    store.refresh_from_db()
    assert store.status == Store.Status.NEEDS_RECONNECT
    assert len(responses.calls) == 2  # one request, one refresh: no loop


@responses.activate
def test_403_names_the_missing_scope(client):
    responses.patch(API + "tickets/7/", status=403, json={"detail": "You do not have permission."})
    with pytest.raises(MissingScope) as excinfo:
        client.patch("tickets/7/", {"status": "open"})
    assert excinfo.value.scope == "tickets:write"


@responses.activate
def test_404_and_400(client):
    responses.get(API + "orders/999/", status=404, json={"detail": "Not found."})
    responses.post(API + "users/", status=400, json={"email": ["Already taken."]})
    with pytest.raises(NotFound):
        client.get("orders/999/")
    with pytest.raises(InvalidRequest) as excinfo:
        client.post("users/", {"email": "x@example.com"})
    assert excinfo.value.field_errors == {"email": ["Already taken."]}


@responses.activate
@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance</html>", b'{"results": null}', b'{"next": "x", "results": []}', b"[1, 2]"],
)
def test_malformed_answers_are_unexpected_response(client, body):
    responses.get(API + "orders/", body=body, content_type="application/json")
    with pytest.raises(UnexpectedResponse):
        client.list_page("orders/")


def test_a_disconnected_store_is_not_called(client, store):
    store.wipe_credentials()
    store.status = Store.Status.DISCONNECTED
    store.save()
    with pytest.raises(StoreNotConnected):
        client.get("store/")


@pytest.mark.parametrize("path", ["https://evil.example/x", "//evil.example/x", "../../oauth2/token/", "/etc/passwd"])
def test_paths_cannot_leave_the_api_root(client, path):
    with pytest.raises(ValueError):
        client.get(path)


@responses.activate
def test_cached_reads_are_served_without_a_request_until_invalidated(client):
    responses.get(API + "orders/5/", json={"number": 5, "v": 1})
    responses.get(API + "orders/5/", json={"number": 5, "v": 2})
    assert client.get("orders/5/", cached=True)["v"] == 1
    assert client.get("orders/5/", cached=True)["v"] == 1
    assert len(responses.calls) == 1
    client.invalidate("orders", 5)
    assert client.get("orders/5/", cached=True)["v"] == 2


@responses.activate
def test_writes_invalidate_their_object(client):
    responses.get(API + "orders/5/", json={"tags": []})
    responses.post(API + "orders/5/notes/", json={"id": 1}, status=201)
    responses.get(API + "orders/5/", json={"tags": ["x"]})
    client.get("orders/5/", cached=True)
    client.post("orders/5/notes/", {"message": "hi"})
    assert client.get("orders/5/", cached=True) == {"tags": ["x"]}


@responses.activate
def test_tokens_never_reach_logs_or_errors(client, caplog, settings):
    settings.STOREAPI_CLIENT_ID = "cid"
    caplog.set_level(logging.DEBUG)
    responses.get(API + "store/", status=401, json={"detail": "Invalid token."})
    responses.post("https://acme.29next.store/oauth2/token/", status=400, json={"error": "invalid_grant"})
    with pytest.raises(TokenRevoked) as excinfo:
        client.get("store/")
    text = caplog.text + str(excinfo.value) + repr(excinfo.value)
    assert ACCESS not in text and REFRESH not in text


def test_required_scope():
    assert required_scope("GET", "orders/1/notes/") == "orders:read"
    assert required_scope("POST", "users/") == "users:write"
    assert required_scope("GET", "tickettypes/") == "tickets:read"
    assert required_scope("GET", "unknown/") is None
