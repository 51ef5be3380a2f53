"""The limiter against the real (test) Redis."""

import threading
import time

import pytest

from storeapi.errors import StoreBusy
from storeapi.ratelimit import BULK, INTERACTIVE, RateLimiter
from storeapi.redis_client import shared_redis


@pytest.fixture
def key():
    name = f"test:ratelimit:{time.monotonic_ns()}"
    yield name
    shared_redis().delete(name)


def test_requests_are_spaced_by_the_rate(key):
    limiter = RateLimiter(key=key, per_second=20)
    started = time.monotonic()
    for _ in range(10):
        limiter.acquire()
    # The tenth slot is nine intervals after the first, which is no earlier than `started`.
    assert time.monotonic() - started >= 9 * 0.05


def test_threads_share_the_limit(key):
    stamps = []
    lock = threading.Lock()

    def work():
        limiter = RateLimiter(key=key, per_second=20)
        for _ in range(6):
            limiter.acquire(BULK)
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 18 slots at 20/s, the first no earlier than `started`, need 17 intervals.
    assert max(stamps) - started >= 17 * 0.05


def test_interactive_goes_before_a_bulk_backlog(key):
    """Bulk callers never reserve ahead, so a page view waits at most one slot."""
    per_second = 10
    stop = threading.Event()

    def bulk_worker():
        limiter = RateLimiter(key=key, per_second=per_second)
        while not stop.is_set():
            limiter.acquire(BULK)

    workers = [threading.Thread(target=bulk_worker) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        time.sleep(0.3)
        interactive = RateLimiter(key=key, per_second=per_second)
        waits = [interactive.acquire(INTERACTIVE) for _ in range(3)]
    finally:
        stop.set()
        for w in workers:
            w.join()
    # Each page-view request waits for at most the slot a bulk call holds (plus its own
    # previous reservation), never for the four bulk workers' queue.
    assert max(waits) <= 2 / per_second + 0.02


def test_penalty_holds_everyone_back(key):
    limiter = RateLimiter(key=key, per_second=100)
    limiter.penalize(0.3)
    waited = limiter.acquire(INTERACTIVE)
    assert waited >= 0.25


def test_bad_arguments():
    with pytest.raises(ValueError):
        RateLimiter(key="x", per_second=0)
    with pytest.raises(ValueError):
        RateLimiter(key="x", per_second=1).acquire("urgent")


def test_a_page_view_borrows_the_slot_ahead_instead_of_waiting(key):
    per_second = 10
    bulk = RateLimiter(key=key, per_second=per_second)
    bulk.acquire(BULK)  # an export just took the current slot
    page_view = RateLimiter(key=key, per_second=per_second, interactive_burst=1)
    assert page_view.acquire(INTERACTIVE) == 0
    # Borrowing is a one-slot burst, not a way round the rate: the next one waits.
    assert page_view.acquire(INTERACTIVE) > 0
    strict = RateLimiter(key=f"{key}:strict", per_second=per_second)
    strict.acquire(BULK)
    assert strict.acquire(INTERACTIVE) > 0


def test_bulk_calls_never_borrow(key):
    limiter = RateLimiter(key=key, per_second=2, interactive_burst=3)
    limiter.acquire(BULK)
    assert limiter.acquire(BULK) >= 0.4  # the next slot, half a second on


def test_a_hold_after_a_429_stops_borrowing_too(key):
    limiter = RateLimiter(key=key, per_second=100, interactive_burst=5)
    limiter.penalize(0.3)
    assert limiter.acquire(INTERACTIVE) >= 0.25
    assert limiter.acquire(BULK) < 0.3


def scheduled(limiter, priority, count) -> list[float]:
    """When each of `count` acquisitions may send, in seconds from now (nobody sleeps:
    the limiter's answer is the schedule; a busy machine's milliseconds are tolerated)."""
    return [limiter.acquire(priority) for _ in range(count)]


def test_while_a_bulk_caller_runs_one_slot_in_four_is_set_aside_for_it(key):
    page_views = RateLimiter(key=key, per_second=4, bulk_share=0.25, sleep=lambda _s: None)
    bulk = RateLimiter(key=key, per_second=4, bulk_share=0.25, sleep=lambda _s: None)
    assert bulk.acquire(BULK) == 0  # the free slot now; and the bulk caller is now running
    slots = scheduled(page_views, INTERACTIVE, 9)
    # Twelve slots after the bulk one, every fourth skipped by page views...
    assert slots == pytest.approx([0.25, 0.5, 0.75, 1.25, 1.5, 1.75, 2.25, 2.5, 2.75], abs=0.05)
    # ...and given to the bulk caller, in order, however long the page views' queue.
    assert [bulk.acquire(BULK) for _ in range(3)] == pytest.approx([1.0, 2.0, 3.0], abs=0.05)


def test_without_a_bulk_caller_page_views_have_every_slot(key):
    page_views = RateLimiter(key=key, per_second=4, bulk_share=0.25, sleep=lambda _s: None)
    assert scheduled(page_views, INTERACTIVE, 6) == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.25], abs=0.05)


def test_a_page_view_does_not_wait_longer_than_its_bound(key):
    limiter = RateLimiter(key=key, per_second=4, sleep=lambda _s: None)
    slots = [limiter.acquire(INTERACTIVE, max_wait=1.0) for _ in range(5)]
    assert slots == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0], abs=0.05)
    with pytest.raises(StoreBusy) as busy:
        limiter.acquire(INTERACTIVE, max_wait=1.0)
    assert busy.value.retry_after == pytest.approx(1.25, abs=0.05)
    # Refused, it took nothing: a caller that may wait longer gets the same slot.
    assert limiter.acquire(INTERACTIVE, max_wait=2.0) == pytest.approx(1.25, abs=0.05)


def test_a_page_view_does_not_wait_out_a_long_hold(key):
    limiter = RateLimiter(key=key, per_second=100)
    limiter.penalize(60)
    with pytest.raises(StoreBusy):
        limiter.acquire(INTERACTIVE, max_wait=0.5)


def test_a_set_aside_slot_already_past_is_not_used_late(key):
    """Sent late, it would crowd the next regular slot (two requests at once while the
    store is saturated: what a token bucket refuses). The bulk caller waits for a
    regular slot instead."""
    page_views = RateLimiter(key=key, per_second=2, bulk_share=0.25, sleep=lambda _s: None)
    bulk = RateLimiter(key=key, per_second=2, bulk_share=0.25)  # really sleeps
    bulk.acquire(BULK)  # running
    scheduled(page_views, INTERACTIVE, 3)  # 0.5, 1 and 1.5 s; 2 s is set aside for bulk
    time.sleep(2.15)  # the set-aside slot has just passed, unused; the next slot is at 2.5 s
    assert bulk.acquire(BULK) == pytest.approx(0.35, abs=0.15)  # waited for 2.5 s, not sent at once
