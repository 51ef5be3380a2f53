"""A short "the store is down" mark, shared by every process through Redis.

When a request to a store still fails after its retries (server errors, no answer,
timeouts), the store is marked unavailable for STOREAPI_CIRCUIT_OPEN_SECONDS. While
the mark is there, page views (interactive calls) fail at once with StoreUnavailable
instead of hammering a store that is already struggling; bulk jobs keep their own
patient backoff, and any answer they get removes the mark. (A page view found no mark
before it asked, so its answer has none to remove: not looking saves a round trip to
Redis on every page view.)
"""

from __future__ import annotations

from django.conf import settings

from .redis_client import shared_redis


def circuit_key(store_key: str) -> str:
    """The mark's key (storeapi.cache reads it in the round trip that leads a read)."""
    return f"storeapi:circuit:{store_key}"


def circuit_open(store_key: str) -> bool:
    return bool(shared_redis().exists(circuit_key(store_key)))


def circuit_trip(store_key: str) -> None:
    seconds = settings.STOREAPI_CIRCUIT_OPEN_SECONDS
    if seconds > 0:
        shared_redis().set(circuit_key(store_key), 1, px=int(seconds * 1000))


def circuit_reset(store_key: str) -> None:
    shared_redis().delete(circuit_key(store_key))
