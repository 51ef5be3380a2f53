"""A short-lived cache of single-object reads, in Redis, invalidated by webhooks and
by our own writes; and the version of each resource's lists.

Reads are grouped by the object they belong to (`("orders", "1042")`): the order,
its notes and the tickets that mention it. Invalidating the object bumps the group's
version, so every cached read in the group misses from then on. Keys carry the store.

Figures computed from a resource's lists (the overview's ticket counts) key their
cache entries with `list_version(store, resource)`. Every write through StoreClient
and every webhook about the resource bumps it (`lists_changed`), so the next view
counts again.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache

DEFAULT_TTL = 120  # seconds; webhooks invalidate sooner when something changes


def _version_key(store_id: int, resource: str, object_id: str) -> str:
    return f"storeapi:objver:{store_id}:{resource}:{object_id}"


def _entry_key(store_id: int, group: tuple[str, str], path: str, params: dict | None) -> str:
    version = cache.get(_version_key(store_id, *group), 0)
    fingerprint = hashlib.sha256(json.dumps([path, params or {}], sort_keys=True).encode()).hexdigest()[:32]
    return f"storeapi:obj:{store_id}:{group[0]}:{group[1]}:v{version}:{fingerprint}"


def cached_read(store_id: int, group: tuple[str, str], path: str, params: dict | None):
    """The cached answer, or None."""
    return cache.get(_entry_key(store_id, group, path, params))


def store_read(store_id: int, group: tuple[str, str], path: str, params: dict | None, value, ttl: int = DEFAULT_TTL):
    cache.set(_entry_key(store_id, group, path, params), value, ttl)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, 60 * 60 * 24)


def invalidate(store_id: int, resource: str, object_id) -> None:
    _bump(_version_key(store_id, resource, str(object_id)))


def _list_version_key(store_id: int, resource: str) -> str:
    return f"storeapi:listver:{store_id}:{resource}"


def list_version(store_id: int, resource: str) -> int:
    return cache.get(_list_version_key(store_id, resource), 0)


def lists_changed(store_id: int, resource: str) -> None:
    """Something in `resource` ("orders", "tickets", "users") changed in the store."""
    _bump(_list_version_key(store_id, resource))
