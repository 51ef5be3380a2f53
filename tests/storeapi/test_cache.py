"""The shared read cache (storeapi.cache) through StoreClient, against the sandbox store
over real HTTP and the real test Redis.

The sandbox's request log is the evidence of what reached the store. Settings are
changed per test where the behaviour under test depends on them (how long an answer is
fresh, how long a webhook's change may be coalesced).
"""

import pickle
import subprocess
import sys
import threading
import time

import pytest

from storeapi import cache as read_cache
from storeapi.client import StoreClient
from storeapi.errors import RateLimited, StoreBusy, StoreUnavailable
from storeapi.freshness import freshness_scope
from storeapi.redis_client import shared_redis
from tests.celery_worker import worker_env
from tests.storeapi.test_client import api_log, connected_store


@pytest.fixture(autouse=True)
def _quick_limit(settings):
    settings.STOREAPI_RATE_LIMIT_PER_SECOND = 100
    settings.STOREAPI_CIRCUIT_OPEN_SECONDS = 0


@pytest.fixture
def acme(db, sandbox):
    store = connected_store(sandbox, "acme")
    sandbox.clear_request_log("acme")
    return store


def tickets_asked(sandbox, query: str = "") -> int:
    """Requests for the ticket list with exactly this query string (a request of an
    earlier test that the store answers late, after hanging, has another query)."""
    return len([e for e in api_log(sandbox, "acme", "tickets/") if e["query"] == query])


def read_tickets(store, **params):
    return StoreClient.for_store(store).list_page("tickets/", params, cached=True)


def store_changes_a_ticket(sandbox, ticket_id: int, subject: str) -> None:
    """The store itself changes a ticket (its own token: not Storedesk's budget)."""
    token = sandbox.issue_token("acme")
    answer = sandbox.api("acme", "PATCH", f"tickets/{ticket_id}/", token=token, json={"subject": subject})
    assert answer.status_code == 200, answer.text


def webhook_arrives(store, resource: str, object_id) -> None:
    """What the receiver does with a verified delivery about this object."""
    read_cache.changed(store.pk, read_cache.change_dependencies(resource, object_id), own=False)


# --- what is served from the cache ------------------------------------------------------------


def test_a_list_page_is_asked_once_for_everyone(acme, sandbox):
    first = read_tickets(acme, status="open")
    again = read_tickets(acme, status="open")
    assert again == first
    assert tickets_asked(sandbox, "status=open") == 1
    # Another store's client for the same path is another key (keys carry the store).
    bergmann = connected_store(sandbox, "bergmann")
    sandbox.clear_request_log("bergmann")
    StoreClient.for_store(bergmann).list_page("tickets/", {"status": "open"}, cached=True)
    assert tickets_asked(sandbox, "status=open") == 1
    assert [e["query"] for e in api_log(sandbox, "bergmann", "tickets/")] == ["status=open"]


def test_parameters_are_part_of_the_key_in_any_order(acme, sandbox):
    read_tickets(acme, status=["new", "open"])
    read_tickets(acme, status=["open", "new"])
    assert tickets_asked(sandbox, "status=new&status=open") == 1
    read_tickets(acme, status=["pending"])
    assert tickets_asked(sandbox, "status=pending") == 1


def test_a_change_at_the_store_reaches_the_next_view_once_its_webhook_arrived(acme, sandbox, settings):
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    ticket = read_tickets(acme).results[0]
    store_changes_a_ticket(sandbox, ticket["id"], "Changed at the store")
    # Until the webhook says so, the team is served what the store said before.
    assert read_tickets(acme).results[0]["subject"] == ticket["subject"]
    webhook_arrives(acme, "tickets", ticket["id"])
    assert read_tickets(acme).results[0]["subject"] == "Changed at the store"
    assert tickets_asked(sandbox) == 2


def not_pending(store) -> dict:
    return next(t for t in read_tickets(store).results if t["status"] != "pending")


def pending_ids(store) -> list[int]:
    return [t["id"] for t in read_tickets(store, status="pending").results]


def test_an_operators_own_write_reaches_the_next_view_at_once(acme, sandbox, settings):
    # Even with a long coalescing window (webhooks' changes wait out), an operator's write shows now.
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 60
    client = StoreClient.for_store(acme)
    ticket = not_pending(acme)
    client.get(f"tickets/{ticket['id']}/", cached=True)
    assert ticket["id"] not in pending_ids(acme)
    client.patch(f"tickets/{ticket['id']}/", {"status": "pending"})
    assert client.get(f"tickets/{ticket['id']}/", cached=True)["status"] == "pending"
    assert ticket["id"] in pending_ids(acme)


def test_a_bulk_jobs_write_is_coalesced_like_a_webhook(acme, sandbox, settings):
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 60
    ticket = not_pending(acme)
    assert ticket["id"] not in pending_ids(acme)
    StoreClient.for_store(acme, priority="bulk").patch(f"tickets/{ticket['id']}/", {"status": "pending"})
    with freshness_scope() as freshness:
        assert ticket["id"] not in pending_ids(acme)  # shown as it was, saying how old it is
    assert freshness.from_cache


def test_an_answer_is_kept_under_the_versions_read_before_the_store_was_asked(acme):
    """The order that matters, step by step: a change announced after the versions were
    read and before the answer is kept is never hidden under the answer."""
    found = read_cache.lookup(acme.pk, "tickets/", {"status": "open"})
    webhook_arrives(acme, "tickets", 31)  # while the store is being asked
    read_cache.save(found, {"results": [{"id": 31, "subject": "before the change"}]}, fetched_at=time.time())
    now = read_cache.lookup(acme.pk, "tickets/", {"status": "open"})
    assert now.entry.behind(seen=now.seen, own=now.own)
    assert read_cache.verdict(now, now=now.entry.fetched_at + read_cache.REFRESH_MIN_AGE + 60) == read_cache.MISS


def test_a_webhook_arriving_during_a_read_is_not_lost(acme, sandbox, settings):
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    read_tickets(acme)
    flight = read_cache.lookup(acme.pk, "tickets/", {}).key + ":flight"
    sandbox.set_faults("acme", latency_ms=1500, limit=1)
    ticket_id = read_tickets(acme).results[0]["id"]  # cached: no request yet
    webhook_arrives(acme, "tickets", ticket_id)  # stale: the next read asks the store...
    reader = threading.Thread(target=read_tickets, args=(acme,))
    reader.start()
    deadline = time.monotonic() + 10
    while not shared_redis().exists(flight):  # ...and is under way
        assert time.monotonic() < deadline
        time.sleep(0.01)
    webhook_arrives(acme, "tickets", ticket_id)  # another change, announced during that read
    reader.join(timeout=30)
    assert tickets_asked(sandbox) == 2
    read_tickets(acme)  # the answer under way may predate the change: asked again
    assert tickets_asked(sandbox) == 3


# --- one read in flight ------------------------------------------------------------------------

SAME_READ = """
import os, sys, time
import django
django.setup()
from storeapi.client import StoreClient
from storeapi.models import Store
store = Store.objects.get(pk=int(sys.argv[1]))
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
page = StoreClient.for_store(store).list_page("tickets/", {"channel": "email"}, cached=True)
print(len(page.results))
"""


@pytest.mark.django_db(transaction=True)
def test_two_processes_asking_the_same_page_make_one_upstream_request(sandbox):
    store = connected_store(sandbox, "acme")
    sandbox.clear_request_log("acme")
    sandbox.set_faults("acme", latency_ms=1000)  # the first answer takes a while: the second waits for it
    env = worker_env()
    go = time.time() + 4  # both start together, after Django has loaded
    processes = [
        subprocess.Popen([sys.executable, "-c", SAME_READ, str(store.pk), str(go)], env=env, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].decode().strip() for p in processes]
    assert all(p.returncode == 0 for p in processes)
    assert outputs[0] == outputs[1] and int(outputs[0]) > 0
    assert tickets_asked(sandbox, "channel=email") == 1


def test_threads_asking_the_same_page_make_one_upstream_request(acme, sandbox):
    sandbox.set_faults("acme", latency_ms=500)
    results = []
    threads = [threading.Thread(target=lambda: results.append(read_tickets(acme, status="new"))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 6 and all(r == results[0] for r in results)
    assert tickets_asked(sandbox, "status=new") == 1


def test_a_failed_read_fails_its_waiting_readers_too_without_asking_again(acme, sandbox, settings):
    settings.STOREAPI_CIRCUIT_OPEN_SECONDS = 0
    sandbox.set_faults("acme", latency_ms=500, error_rate=1, error_statuses=[503])
    outcomes = []

    def read():
        try:
            read_tickets(acme, status="pending")
        except StoreUnavailable:
            outcomes.append("unavailable")

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["unavailable"] * 4
    # One reader asked (with its retries); the others took its error.
    asked = [e for e in api_log(sandbox, "acme", "tickets/") if e["query"] == "status=pending"]
    assert 1 <= len(asked) <= 3 and {e["status"] for e in asked} == {503}


def test_one_round_trip_leads_a_read_or_follows_a_colleagues(acme):
    """`try_lead_or_follow`: the first reader leads; a colleague follows and sees what the
    leader kept or the error its read ended in, once the lead is given up with it."""
    found = read_cache.lookup(acme.pk, "tickets/", {"status": "open"})
    asked_at = time.time()
    leader = read_cache.try_lead_or_follow(found, lease_seconds=30, since=asked_at, newer_than=0)
    follower = read_cache.try_lead_or_follow(found, lease_seconds=30, since=asked_at, newer_than=0)
    assert leader.token is not None and follower.token is None
    assert leader.entry is None and follower.entry is None and follower.error is None

    fetched_at = time.time()
    read_cache.save(found, {"results": [1]}, fetched_at=fetched_at, release_token=leader.token)
    after = read_cache.try_lead_or_follow(found, lease_seconds=30, since=asked_at, newer_than=0)
    assert after.token is not None  # the lead was given up with the answer kept
    assert after.entry is not None and after.entry.value == {"results": [1]}
    again = read_cache.try_lead_or_follow(found, lease_seconds=30, since=asked_at, newer_than=fetched_at)
    assert again.entry is None  # nothing newer than what this reader already judged
    assert again.token is None  # `after` leads

    read_cache.share_error(found, StoreBusy("busy", retry_after=1.0), release_token=after.token)
    waiting = read_cache.try_lead_or_follow(found, lease_seconds=30, since=asked_at, newer_than=0)
    assert isinstance(waiting.error, StoreBusy) and waiting.token is not None
    later = read_cache.try_lead_or_follow(found, lease_seconds=30, since=time.time() + 1, newer_than=0)
    assert later.error is None  # a reader that began after the failure asks again
    assert later.token is None  # `waiting` still leads


# --- stale while revalidate ---------------------------------------------------------------------


def test_an_old_answer_is_shown_at_once_and_refreshed_in_the_background_once(acme, sandbox, settings):
    settings.STOREAPI_CACHE_FRESH_SECONDS = 0
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 30  # one refresh per key per 30 s
    first = read_tickets(acme)
    store_changes_a_ticket(sandbox, first.results[0]["id"], "Refreshed in the background")
    with freshness_scope() as freshness:
        shown = [read_tickets(acme) for _ in range(5)]
    assert all(page == first for page in shown)  # at once, as it was
    assert freshness.from_cache
    deadline = time.monotonic() + 20
    while read_tickets(acme).results[0]["subject"] != "Refreshed in the background":
        assert time.monotonic() < deadline, "never refreshed"
        time.sleep(0.05)
    assert tickets_asked(sandbox) == 2  # five stale views, one refresh


def test_an_answer_older_than_the_maximum_is_asked_again_before_it_is_shown(acme, sandbox, settings):
    settings.STOREAPI_CACHE_FRESH_SECONDS = 0
    settings.STOREAPI_CACHE_MAX_AGE_SECONDS = 0
    read_tickets(acme)
    read_tickets(acme)
    assert tickets_asked(sandbox) == 2


def test_refresh_asks_the_store_again(acme, sandbox):
    read_tickets(acme)
    time.sleep(read_cache.REFRESH_MIN_AGE + 0.1)
    with freshness_scope(wants_fresh=True) as freshness:
        read_tickets(acme)
    assert tickets_asked(sandbox) == 2
    assert not freshness.from_cache


# --- bounded waits ---------------------------------------------------------------------------------


def test_behind_a_429_hold_a_page_view_gets_the_last_answer_without_asking(acme, sandbox, settings):
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    shown = read_tickets(acme, priority="high")
    sandbox.clear_request_log("acme")
    webhook_arrives(acme, "tickets", shown.results[0]["id"])
    StoreClient.for_store(acme).limiter.penalize(120)  # a 429 asked everyone to hold back for 2 minutes
    with freshness_scope() as freshness:
        again = read_tickets(acme, priority="high")
    assert again == shown
    assert freshness.notes == [f"{acme.display_name} is busy right now"]
    assert sandbox.request_log("acme") == []


def test_behind_a_429_hold_a_page_view_with_nothing_cached_is_told_the_store_is_busy(acme, sandbox):
    sandbox.set_faults("acme", rate_limit_rate=1, retry_after=120, limit=1)
    with pytest.raises(RateLimited) as first:
        read_tickets(acme, status="open")
    assert first.value.retry_after == 120  # not waited out: longer than a page may wait
    with pytest.raises(StoreBusy):
        read_tickets(acme, status="new")  # not even asked: the hold is on
    assert len(sandbox.request_log("acme")) == 1


def test_a_hanging_store_gives_the_last_answer_then_is_left_alone(acme, sandbox, settings):
    settings.STOREAPI_PAGE_READ_TIMEOUT = 1
    settings.STOREAPI_CIRCUIT_OPEN_SECONDS = 30
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    shown = read_tickets(acme, priority="high")
    first = shown.results[0]
    store_changes_a_ticket(sandbox, first["id"], "Changed while the store hangs")
    webhook_arrives(acme, "tickets", first["id"])
    # The next request hangs; any request after it would be answered at once, with the change.
    sandbox.set_faults("acme", hang_rate=1, hang_seconds=5, limit=1)
    with freshness_scope() as freshness:
        assert read_tickets(acme, priority="high") == shown  # waited one read timeout, then the last answer
        assert read_tickets(acme, priority="high") == shown  # not asked again: the store is left alone a while
    assert freshness.notes == [f"{acme.display_name} is not answering right now"]
    # The store answers the hung request in the end: wait for it, so that it lands in
    # this test's log and not in the next test's.
    deadline = time.monotonic() + 15
    while not any(e["fault"] == "hang" for e in sandbox.request_log("acme")):
        assert time.monotonic() < deadline
        time.sleep(0.1)


# --- lists that belong to one object -----------------------------------------------------------


def test_an_orders_tickets_are_asked_again_only_when_one_of_its_tickets_changes(acme, sandbox, settings):
    """A ticket's change makes the tickets panel of its own order stale, not every
    order's (a team viewing ten orders would otherwise ask for ten panels per change)."""
    with_orders = [t for t in read_tickets(acme).results if t.get("order")]
    mine, other = with_orders[0], next(t for t in with_orders if t["order"] != with_orders[0]["order"])
    panel = {"order_number": mine["order"]}
    query = f"order_number={mine['order']}"
    read_tickets(acme, **panel)
    client = StoreClient.for_store(acme)
    client.patch(f"tickets/{other['id']}/", {"priority": other["priority"] or "low"})  # another order's ticket
    read_tickets(acme, **panel)
    assert tickets_asked(sandbox, query) == 1
    client.patch(f"tickets/{mine['id']}/", {"priority": mine["priority"] or "low"})  # one of its own
    read_tickets(acme, **panel)
    assert tickets_asked(sandbox, query) == 2
    # A webhook about one of its tickets, too (not coalesced here, to see it at once).
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    webhook = read_cache.change_dependencies("tickets", mine["id"], {"order": mine["order"]})
    read_cache.changed(acme.pk, webhook, own=False)
    read_tickets(acme, **panel)
    assert tickets_asked(sandbox, query) == 3


def test_the_store_users_are_not_asked_again_when_customers_or_orders_change(acme, sandbox, settings):
    """`users/?user_type=dashboard` (who tickets are assigned to) is a list of its own:
    a new order or customer, by webhook or an operator's write, leaves it cached; a
    change to one of the store's users marks it."""
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    client = StoreClient.for_store(acme)
    staff = {"user_type": "dashboard"}

    def staff_asked() -> int:
        return len([e for e in api_log(sandbox, "acme", "users/") if e["query"] == "user_type=dashboard"])

    client.get("users/", staff, cached=True)
    webhook_arrives(acme, "orders", 1)  # an order changes its customer (CHANGES_ALSO)
    webhook_arrives(acme, "users", 5)
    read_cache.changed(acme.pk, read_cache.write_dependencies("users/"), own=True)  # an operator adds a customer
    client.get("users/", staff, cached=True)
    assert staff_asked() == 1
    client.get("users/", cached=True)  # the customers list is asked again
    assert len([e for e in api_log(sandbox, "acme", "users/") if e["query"] == ""]) == 1
    # A store user changed (a webhook whose object says so).
    dashboard_user = read_cache.change_dependencies("users", 7, {"user_type": "dashboard"})
    read_cache.changed(acme.pk, dashboard_user, own=False)
    client.get("users/", staff, cached=True)
    assert staff_asked() == 2


def test_a_pages_reads_share_one_budget_of_waiting(acme, sandbox, settings):
    """Two reads that each would wait less than the bound, together more: the second is
    told the store is busy instead of doubling the page's wait."""
    settings.STOREAPI_RATE_LIMIT_PER_SECOND = 2  # a slot every 0.5 s
    settings.STOREAPI_INTERACTIVE_BURST = 0
    client = StoreClient.for_store(acme)
    client.limiter.acquire()  # the slot now is taken: the next is 0.5 s away, the one after 1 s
    with freshness_scope(wait_seconds=0.8):
        client.get("store/")  # waits about 0.5 s
        with pytest.raises(StoreBusy):
            client.get("tickettypes/")  # its slot is 0.5 s later still: past the page's budget
    assert len(api_log(sandbox, "acme", "store/")) == 1
    assert api_log(sandbox, "acme", "tickettypes/") == []


def test_an_answer_is_trusted_longer_when_webhooks_announce_the_stores_changes(acme, settings):
    settings.STOREAPI_CACHE_FRESH_SECONDS = 60
    found = read_cache.lookup(acme.pk, "tickets/31/", None)
    read_cache.save(found, {"id": 31}, fetched_at=time.time() - 30)
    kept = read_cache.lookup(acme.pk, "tickets/31/", None)
    now = time.time()
    assert read_cache.verdict(kept, now=now, announced=True) == read_cache.HIT
    # Without Storedesk's webhook nothing would say it changed: refreshed after 10 s.
    assert read_cache.verdict(kept, now=now, announced=False) == read_cache.HIT_REFRESH


def test_a_page_that_asks_the_store_anyway_does_not_unpickle_the_old_answer(acme, sandbox):
    """A kept answer's value is unpickled only when it is used: after an operator's own
    write the next view asks the store, and the old answer it looked up stays bytes."""
    read_tickets(acme)
    read_cache.lists_changed(acme.pk, "tickets", own=True)
    found = read_cache.lookup(acme.pk, "tickets/", {})
    assert found.entry is not None and read_cache.verdict(found, now=time.time()) == read_cache.MISS
    assert "value" not in found.entry.__dict__  # looked at, not unpickled
    page = read_tickets(acme)
    assert tickets_asked(sandbox) == 2
    kept = read_cache.lookup(acme.pk, "tickets/", {})
    assert kept.entry.value["results"] == page.results  # unpickled once used, the same answer


def test_an_answer_kept_in_an_older_layout_is_a_miss(acme, sandbox):
    found = read_cache.lookup(acme.pk, "tickets/", {})
    shared_redis().set(found.key, pickle.dumps({"results": [{"id": 1}]}))  # not an entry of this release
    assert read_cache.lookup(acme.pk, "tickets/", {}).entry is None
    read_tickets(acme)
    assert tickets_asked(sandbox) == 1


def _mgets() -> int:
    """MGETs Redis has answered so far (its own count, every client's)."""
    return int(shared_redis().info("commandstats").get("cmdstat_mget", {}).get("calls", 0))


def test_lookups_said_ahead_come_with_the_next_round_trip(acme):
    read_cache.save(read_cache.lookup(acme.pk, "tickettypes/", None), {"results": [{"id": 1}]}, fetched_at=time.time())
    with read_cache.look_ahead_scope():
        read_cache.look_ahead(
            reads=[(acme.pk, "tickettypes/", None)], figures=[(acme.pk, "ticketcounts", ("tickets",))]
        )
        before = _mgets()
        listed = read_cache.lookup(acme.pk, "tickets/", {"status": "open"})  # asks Redis: brings the others
        assert _mgets() == before + 1
        types = read_cache.lookup(acme.pk, "tickettypes/", None)
        figure = read_cache.figure_lookup(acme.pk, "ticketcounts", ("tickets",))
        assert _mgets() == before + 1  # both were there already
        again = read_cache.lookup(acme.pk, "tickettypes/", None)  # taken once: asked again
        assert _mgets() == before + 2
    assert listed.entry is None and figure.figure is None
    assert types.entry.value == {"results": [{"id": 1}]} and again.entry.value == types.entry.value


def test_a_change_forgets_what_was_looked_up_ahead(acme):
    """A page that writes and then shows what it wrote judges it by versions read after
    the write, not by a lookup made ahead of it."""
    with read_cache.look_ahead_scope():
        read_cache.look_ahead(reads=[(acme.pk, "tickets/", None)])
        read_cache.lookup(acme.pk, "tickets/31/", None)  # brings the list's lookup along
        read_cache.invalidate(acme.pk, "tickets", 31)  # the operator's write
        after = read_cache.lookup(acme.pk, "tickets/", None)
    assert after.own == (1,) and after.seen == (1,)


def test_outside_a_request_nothing_is_looked_up_ahead(acme):
    read_cache.look_ahead(reads=[(acme.pk, "tickettypes/", None)])
    before = _mgets()
    read_cache.lookup(acme.pk, "tickets/", None)
    read_cache.lookup(acme.pk, "tickettypes/", None)
    assert _mgets() == before + 2


def test_leads_taken_ahead_are_used_by_the_reads_and_the_others_given_up(acme, sandbox):
    """An all-stores page takes the lead on each store's read in one round trip before
    its threads ask (client.take_leads); a read uses its lead, and the leads of reads
    that never asked are given up, so that nobody waits for them."""
    from storeapi.client import cached_gets, give_up_leads, take_leads

    client = StoreClient.for_store(acme)
    reads = [(client, "tickets/", {}), (client, "tickets/", {"status": "open"})]
    assert cached_gets(reads) == [None, None]
    take_leads(reads)
    flights = [f"{read_cache.lookup(acme.pk, path, query).key}:flight" for _, path, query in reads]
    assert all(shared_redis().exists(flight) for flight in flights)
    page = client.list_page("tickets/", {}, cached=True)  # the first read: asks, with its lead
    assert page.results and tickets_asked(sandbox) == 1
    assert not shared_redis().exists(flights[0])  # given up with the answer kept
    assert shared_redis().exists(flights[1])
    give_up_leads([client])  # the second read never asked
    assert not shared_redis().exists(flights[1])
    assert read_tickets(acme, status="open").results is not None  # led by whoever asks next
    assert tickets_asked(sandbox, "status=open") == 1
