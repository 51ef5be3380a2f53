"""At most a few of a process's threads wait on one store (storeapi.concurrency), against
the sandbox over real HTTP: a slow store cannot take the threads other stores need."""

import threading
import time

import pytest

from storeapi.client import StoreClient
from storeapi.errors import StoreBusy
from tests.storeapi.test_client import api_log, connected_store


@pytest.fixture(autouse=True)
def _one_place_per_store(settings):
    settings.STOREAPI_RATE_LIMIT_PER_SECOND = 100
    settings.STOREAPI_STORE_THREADS_PER_PROCESS = 1
    settings.STOREAPI_PAGE_WAIT_SECONDS = 0.5


def test_a_slow_store_holds_its_own_places_not_another_stores(db, sandbox):
    acme, bergmann = connected_store(sandbox, "acme"), connected_store(sandbox, "bergmann")
    sandbox.clear_request_log("acme")
    sandbox.set_faults("acme", latency_ms=3000, limit=1)
    slow = threading.Thread(target=lambda: StoreClient.for_store(acme).get("users/", {"email": "slow@example.com"}))
    slow.start()
    deadline = time.monotonic() + 10
    while not _acme_place_taken(acme):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # Another page view of the slow store: no place left in this process, so it is told
    # the store is busy instead of taking a thread too; nothing is sent.
    with pytest.raises(StoreBusy):
        StoreClient.for_store(acme).get("users/", {"email": "busy@example.com"})
    # The other store's page views are served meanwhile.
    assert StoreClient.for_store(bergmann).get("store/") is not None
    slow.join(timeout=30)
    asked = [e["query"] for e in api_log(sandbox, "acme", "users/")]
    assert "email=slow%40example.com" in asked and "email=busy%40example.com" not in asked


def _acme_place_taken(store) -> bool:
    from storeapi.concurrency import _semaphore

    places = _semaphore(str(store.pk))
    if places.acquire(blocking=False):
        places.release()
        return False
    return True
