"""StoreClient against the sandbox store over real HTTP, with a real Redis.

What the sandbox saw (its request log: time, path, status, the fault it injected) is
the evidence: the rate limit across processes, page views going first while a bulk
walk runs, retries through fault storms, token refresh and revocation.
"""

import itertools
import logging
import subprocess
import sys
import threading
import time

import pytest
from django.views.debug import ExceptionReporter
from requests_oauthlib import OAuth2Session

from storeapi.circuit import circuit_open
from storeapi.client import Page, StoreClient
from storeapi.errors import StoreUnavailable, TokenRevoked, UnexpectedResponse
from storeapi.models import Store
from storeapi.retry import RetryPolicy
from tests.celery_worker import worker_env
from tests.sandbox_server import TEST_REDIRECT_URI

FAST = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.1, max_total=10, max_retry_after=5)


def connected_store(sandbox, subdomain: str, **token_kwargs) -> Store:
    store, _ = Store.objects.update_or_create(
        subdomain=subdomain, defaults={"name": subdomain.title(), "status": Store.Status.CONNECTED}
    )
    store.set_tokens(access_token=sandbox.issue_token(subdomain, **token_kwargs))
    store.save()
    return store


def api_log(sandbox, store: str, path: str | None = None) -> list[dict]:
    entries = sandbox.request_log(store)
    if path is not None:
        entries = [e for e in entries if e["path"] == f"/{store}/api/admin/{path}"]
    return sorted(entries, key=lambda e: e["ts"])


@pytest.fixture(autouse=True)
def _quick_limit(settings):
    """The platform's 4/s only where the limit is what is tested."""
    settings.STOREAPI_RATE_LIMIT_PER_SECOND = 100


@pytest.fixture
def acme(db, sandbox):
    store = connected_store(sandbox, "acme")
    sandbox.clear_request_log("acme")
    return store


# --- reading ---------------------------------------------------------------------------------


def test_pages_match_the_sandbox_and_resume_from_a_saved_cursor(acme, sandbox):
    truth = sandbox.order_numbers("acme", status="open")
    client = StoreClient.for_store(acme, priority="bulk")
    first = client.list_page("orders/", {"status": "open"})
    assert len(first.results) == 50 and first.next_cursor
    # Another process picks up from the saved cursor.
    rest = [
        o["number"]
        for page in StoreClient.for_store(acme).iter_pages("orders/", {"status": "open"}, cursor=first.next_cursor)
        for o in page.results
    ]
    numbers = [o["number"] for o in first.results] + rest
    assert numbers == truth
    assert len(set(numbers)) == len(numbers)


def test_a_list_page_of_one_object_is_served_from_the_shared_cache(acme, sandbox):
    number = sandbox.order_numbers("acme")[0]
    client = StoreClient.for_store(acme)
    first = client.list_page(f"orders/{number}/notes/", cached=True)
    again = client.list_page(f"orders/{number}/notes/", cached=True)
    assert again == first
    assert len(api_log(sandbox, "acme", f"orders/{number}/notes/")) == 1
    client.invalidate("orders", number)
    client.list_page(f"orders/{number}/notes/", cached=True)
    assert len(api_log(sandbox, "acme", f"orders/{number}/notes/")) == 2


def test_a_next_link_must_carry_a_cursor_a_previous_link_need_not():
    root = "https://acme.29next.store/api/admin/orders/"
    page = Page.from_body({"results": [], "next": f"{root}?cursor=n2&status=open", "previous": f"{root}?cursor=p1"})
    assert (page.next_cursor, page.previous_cursor) == ("n2", "p1")
    # `previous` is never followed: a link without a cursor (or no link) does not fail the page.
    for previous in (root, 17, None):
        page = Page.from_body({"results": [{"number": 1}], "next": None, "previous": previous})
        assert page.results == [{"number": 1}] and page.previous_cursor is None and not page.has_next
    # A walk would stop early at a `next` link it cannot follow.
    for next_link in (root, 17):
        with pytest.raises(UnexpectedResponse):
            Page.from_body({"results": [], "next": next_link})
    with pytest.raises(UnexpectedResponse):
        Page.from_body({"next": None})


def test_headers_reach_the_store(acme, sandbox):
    StoreClient.for_store(acme).get("store/")
    (entry,) = api_log(sandbox, "acme", "store/")
    assert entry["status"] == 200 and entry["token_id"]


# --- the shared rate limit ---------------------------------------------------------------------


WALKER = """
import sys, time
import django
django.setup()
from storeapi.client import Page, StoreClient
from storeapi.models import Store
store = Store.objects.get(pk=int(sys.argv[1]))
client = StoreClient.for_store(store, priority=sys.argv[2])
while time.time() < float(sys.argv[3]):
    time.sleep(0.005)
for _ in range(int(sys.argv[4])):
    client.get("store/")
"""


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_across_two_processes(sandbox):
    store = connected_store(sandbox, "bergmann")
    sandbox.set_rate_limit("bergmann", 4)  # the platform's limit: a 429 would show a breach
    sandbox.clear_request_log("bergmann")
    # Strict spacing: what is measured is the shared slot schedule itself (the borrowing
    # of a page view is tested in test_ratelimit.py).
    # A second Storedesk process on this test database (the Celery worker's environment).
    env = worker_env(STOREAPI_RATE_LIMIT_PER_SECOND="4", STOREAPI_INTERACTIVE_BURST="0")
    go = time.time() + 3  # both start together, after Django has loaded
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WALKER, str(store.pk), priority, str(go), "8"], env=env, stderr=subprocess.PIPE
        )
        for priority in ("bulk", "interactive")
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()[-2000:]

    seen = api_log(sandbox, "bergmann", "store/")
    assert len(seen) == 16
    assert {e["status"] for e in seen} == {200}
    stamps = [e["ts"] for e in seen]
    # 4 per second: 16 requests need 15 intervals of 0.25 s, and any five consecutive
    # requests span about a second (less the jitter of two processes' round trips on
    # a busy machine). Without the shared limit they would all go within a few
    # hundred milliseconds.
    assert stamps[-1] - stamps[0] >= 15 * 0.25 * 0.9
    spans = [stamps[i + 4] - stamps[i] for i in range(len(stamps) - 4)]
    assert min(spans) >= 0.75, spans
    print(
        f"\n16 requests from 2 processes in {stamps[-1] - stamps[0]:.2f} s; tightest 5-request span {min(spans):.3f} s"
    )


def test_page_views_go_first_while_a_bulk_walk_runs(acme, sandbox, settings):
    settings.STOREAPI_RATE_LIMIT_PER_SECOND = 4
    stop = threading.Event()
    errors = []

    def bulk_walk():
        try:
            client = StoreClient.for_store(acme, priority="bulk")
            while not stop.is_set():
                for _page in client.iter_pages("orders/"):
                    if stop.is_set():
                        return
        except Exception as exc:  # surfaced below
            errors.append(exc)

    walkers = [threading.Thread(target=bulk_walk) for _ in range(4)]
    for walker in walkers:
        walker.start()
    try:
        time.sleep(1.0)  # let the four bulk walkers build their queue
        issued = []
        for _ in range(3):
            issued.append(time.time())
            StoreClient.for_store(acme).get("store/")
    finally:
        stop.set()
        for walker in walkers:
            walker.join()
    assert not errors

    log = api_log(sandbox, "acme")
    views = [e for e in log if e["path"].endswith("/store/")]
    bulk = [e for e in log if e["path"].endswith("/orders/")]
    assert len(views) == 3 and len(bulk) >= 8

    def began(entry):  # the log's time is when the answer was ready
        return entry["ts"] - entry["duration_ms"] / 1000

    for issued_at, view in zip(issued, views, strict=True):
        # Bulk requests that began while this page view waited: at most the slot a
        # bulk call already held, never the queue of four walkers (with the page
        # view as one more bulk caller, about four get in first).
        overtaken = [b for b in bulk if issued_at < began(b) < began(view)]
        assert len(overtaken) <= 2, (len(overtaken), began(view) - issued_at)


# --- retries against the sandbox's fault injection -----------------------------------------------


def fast_client(store, **kwargs):
    return StoreClient(store=store, policy=FAST, **kwargs)


def test_a_500_storm_is_ridden_out(acme, sandbox):
    sandbox.set_faults("acme", error_rate=1, error_statuses=[500, 502, 503], limit=3)
    assert fast_client(acme).get("store/")[0]["name"]
    seen = api_log(sandbox, "acme", "store/")
    assert [e["status"] for e in seen][-1] == 200
    assert len(seen) == 4 and all(e["fault"].startswith("error_") for e in seen[:3])


def test_persistent_server_errors_give_up_and_pause_page_views(acme, sandbox):
    sandbox.set_faults("acme", error_rate=1, error_statuses=[503])
    with pytest.raises(StoreUnavailable):
        fast_client(acme).get("store/")
    assert len(api_log(sandbox, "acme", "store/")) == FAST.max_attempts
    assert circuit_open(str(acme.pk))
    with pytest.raises(StoreUnavailable):
        StoreClient.for_store(acme).get("orders/")
    assert api_log(sandbox, "acme", "orders/") == []  # not asked while the store is marked


def test_a_post_is_not_retried_after_a_server_error(acme, sandbox):
    number = sandbox.order_numbers("acme")[0]
    sandbox.set_faults("acme", error_rate=1, error_statuses=[502], limit=1)
    with pytest.raises(StoreUnavailable):
        fast_client(acme).post(f"orders/{number}/notes/", {"message": "once"})
    assert len(api_log(sandbox, "acme", f"orders/{number}/notes/")) == 1


def test_a_429_storm_waits_for_retry_after_on_any_method(acme, sandbox):
    number = sandbox.order_numbers("acme")[0]
    sandbox.set_faults("acme", rate_limit_rate=1, retry_after=1, limit=2)
    note = fast_client(acme).post(f"orders/{number}/notes/", {"message": "after the storm"})
    assert note["message"] == "after the storm"
    seen = api_log(sandbox, "acme", f"orders/{number}/notes/")
    assert [e["status"] for e in seen][:2] == [429, 429]
    assert len(seen) == 3 and seen[2]["status"] in (200, 201)
    notes = StoreClient.for_store(acme).list_page(f"orders/{number}/notes/").results
    assert [n["message"] for n in notes].count("after the storm") == 1
    gaps = [b["ts"] - a["ts"] for a, b in itertools.pairwise(seen)]
    assert min(gaps) >= 0.9  # Retry-After: 1 honoured (less the clock's granularity)


def test_a_hanging_store_times_out_and_a_jobs_retry_succeeds(acme, sandbox):
    sandbox.set_faults("acme", hang_rate=1, hang_seconds=5, limit=1)
    client = fast_client(acme, timeout=(2, 0.5), priority="bulk")
    assert client.get("store/")[0]["name"]
    # The hung request is logged when the store finally answers it: in this test.
    deadline = time.monotonic() + 15
    while not any(e["fault"] == "hang" for e in api_log(sandbox, "acme", "store/")):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert len(api_log(sandbox, "acme", "store/")) >= 2


def test_a_page_view_does_not_ask_a_hanging_store_again(acme, sandbox):
    """It has waited a whole read timeout already: it shows the store is not answering
    (or what Storedesk has) instead of waiting as long again."""
    sandbox.set_faults("acme", hang_rate=1, hang_seconds=3, limit=1)
    started = time.time()
    with pytest.raises(StoreUnavailable):
        fast_client(acme, timeout=(2, 0.5)).get("store/", {"probe": "hang"})
    time.sleep(3.5)  # the hung request is logged when the store finally answers it
    asked = [e for e in api_log(sandbox, "acme", "store/") if e["query"] == "probe=hang"]
    assert len(asked) == 1 and asked[0]["ts"] >= started


def test_a_store_that_never_answers_fails_within_the_bound(acme, sandbox):
    sandbox.set_faults("acme", hang_rate=1, hang_seconds=3)
    policy = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.1, max_total=0.8)
    client = StoreClient(store=acme, policy=policy, timeout=(2, 0.5))
    with pytest.raises(StoreUnavailable):
        client.get("store/")
    # The sandbox logs a hung request when it finally answers it: here, not in the log
    # of a later test that reads acme's requests.
    deadline = time.monotonic() + 15
    while not any(e["fault"] == "hang" for e in api_log(sandbox, "acme", "store/")):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_malformed_json_is_a_typed_error(acme, sandbox):
    sandbox.set_faults("acme", malformed_rate=1)
    with pytest.raises(UnexpectedResponse):
        fast_client(acme).get("store/")
    with pytest.raises(UnexpectedResponse):
        fast_client(acme).list_page("orders/")


# --- tokens ---------------------------------------------------------------------------------


def oauth_grant(sandbox, store: str) -> dict:
    """An access and refresh token pair, through the sandbox's consent page."""
    session = OAuth2Session(sandbox.client_id, redirect_uri=TEST_REDIRECT_URI, scope=["store:read", "orders:read"])
    url, _ = session.authorization_url(sandbox.authorize_url(store))
    redirect = sandbox.sign_in_and_approve(store, url)
    return session.fetch_token(
        sandbox.token_url(store),
        authorization_response=redirect,
        client_secret=sandbox.client_secret,
        include_client_id=True,
    )


@pytest.mark.django_db
def test_a_401_is_refreshed_once_then_the_call_succeeds(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    grant = oauth_grant(sandbox, "siam")
    store = Store.objects.create(subdomain="siam", name="Siam", status=Store.Status.CONNECTED)
    store.set_tokens(access_token="an-access-token-that-expired", refresh_token=grant["refresh_token"])
    store.save()
    sandbox.clear_request_log("siam")

    assert StoreClient.for_store(store).get("store/")[0]["name"]

    assert [e["status"] for e in api_log(sandbox, "siam", "store/")] == [401, 200]
    store.refresh_from_db()
    assert store.access_token() not in ("", "an-access-token-that-expired")
    assert store.refresh_token() != grant["refresh_token"]  # rotated
    assert store.status == Store.Status.CONNECTED
    secrets_ = [
        store.access_token(),
        store.refresh_token(),
        grant["refresh_token"],
        grant["access_token"],
        sandbox.client_secret,
    ]
    assert not [s for s in secrets_ if s in caplog.text]


@pytest.mark.django_db
def test_a_revoked_grant_marks_the_store_needs_reconnect(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    grant = oauth_grant(sandbox, "siam")
    store = Store.objects.create(subdomain="siam", name="Siam", status=Store.Status.CONNECTED)
    store.set_tokens(access_token=grant["access_token"], refresh_token=grant["refresh_token"])
    store.save()
    sandbox.revoke_tokens("siam")

    with pytest.raises(TokenRevoked) as excinfo:
        StoreClient.for_store(store).get("store/")
    store.refresh_from_db()
    assert store.needs_reconnect
    text = caplog.text + str(excinfo.value) + repr(excinfo.value)
    assert grant["access_token"] not in text and grant["refresh_token"] not in text
    assert sandbox.client_secret not in text


def test_no_token_in_an_error_report(acme, sandbox):
    """Django's error reports (the mail to ADMINS, a reporter that keeps local
    variables) show each frame's variables; the token must not be among them."""
    token = acme.access_token()
    sandbox.revoke_tokens("acme")
    with pytest.raises(TokenRevoked) as excinfo:
        StoreClient.for_store(acme).get("store/")
    below_this_test = excinfo.tb.tb_next
    frames = ExceptionReporter(None, excinfo.type, excinfo.value, below_this_test).get_traceback_frames()
    request_frames = [f for f in frames if f["function"] == "_send"]
    assert request_frames and any(name == "headers" for name, _ in request_frames[0]["vars"])
    report = "".join(str(value) for frame in frames for _, value in frame["vars"])
    assert token not in report


def test_a_revoked_pasted_token_marks_the_store_needs_reconnect(acme, sandbox):
    sandbox.revoke_tokens("acme")
    with pytest.raises(TokenRevoked):
        StoreClient.for_store(acme).get("store/")
    acme.refresh_from_db()
    assert acme.status == Store.Status.NEEDS_RECONNECT


def test_no_token_in_any_log_line(acme, sandbox, caplog):
    """Every kind of failure, with DEBUG logs captured from every logger."""
    caplog.set_level(logging.DEBUG)
    token = acme.access_token()
    sandbox.set_faults("acme", error_rate=1, error_statuses=[500], limit=2)
    fast_client(acme).get("store/")
    sandbox.set_faults("acme", malformed_rate=1, limit=1)
    with pytest.raises(UnexpectedResponse):
        fast_client(acme).get("store/")
    sandbox.clear_faults("acme")
    sandbox.revoke_tokens("acme")
    with pytest.raises(TokenRevoked):
        fast_client(acme).get("store/")
    assert caplog.records
    assert token not in caplog.text
