"""Per-store counters of what webhooks announced, for pages to show ("3 new tickets").

Kept in Redis (shared by every process), one hash per store. The dashboard reads them
with `new_counts(store)` and clears them with `new_counts_reset(store, kind)` when an
operator has looked (e.g. opened the ticket list).
"""

from __future__ import annotations

from .redis_client import shared_redis

KINDS = ("orders", "customers", "tickets")
_TTL = 60 * 60 * 24 * 30


def _key(store) -> str:
    return f"storeapi:new:{store.pk}"


def new_counts(store) -> dict[str, int]:
    """{"orders": 5, "customers": 0, "tickets": 3}: items created since the last reset."""
    raw = shared_redis().hgetall(_key(store))
    values = {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in raw.items()}
    return {kind: max(values.get(kind, 0), 0) for kind in KINDS}


def new_counts_reset(store, kind: str | None = None) -> None:
    """Clear one kind, or every kind when `kind` is None."""
    if kind is None:
        shared_redis().delete(_key(store))
        return
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}.")
    shared_redis().hdel(_key(store), kind)


def new_count_bump(store, kind: str, by: int = 1) -> int:
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}.")
    pipe = shared_redis().pipeline()
    pipe.hincrby(_key(store), kind, by)
    pipe.expire(_key(store), _TTL)
    value, _ = pipe.execute()
    return int(value)
