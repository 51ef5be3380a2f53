"""Per-store counters of what webhooks announced, for pages to show ("3 new tickets").

Kept in Redis (shared by every process), one hash per store. The dashboard reads them
with `new_counts(store)` and clears them with `new_counts_reset(store, kind)` when an
operator has looked (e.g. opened the ticket list). Those two only decorate a page: while
Redis does not answer, the counts are 0 and a reset does nothing, so that the store pages
which need no store (members, audit log) still work.
"""

from __future__ import annotations

import logging

from .redis_client import REDIS_UNAVAILABLE, shared_redis

logger = logging.getLogger(__name__)

KINDS = ("orders", "customers", "tickets")
_TTL = 60 * 60 * 24 * 30
NOTHING_NEW = dict.fromkeys(KINDS, 0)


def _key(store) -> str:
    return f"storeapi:new:{store.pk}"


def new_counts(store, *, seen: str | None = None) -> dict[str, int]:
    """{"orders": 5, "customers": 0, "tickets": 3}: items created since the last reset.
    With `seen` (a kind whose list the operator is looking at), that kind is reset
    first, in the same round trip to Redis."""
    try:
        pipe = shared_redis().pipeline(transaction=False)
        new_counts_queue(pipe, store, seen=seen)
        raw = pipe.execute()[-1]
    except REDIS_UNAVAILABLE as exc:
        logger.warning("New counts of store %s not read: Redis did not answer (%s)", store.pk, exc)
        return NOTHING_NEW.copy()
    return new_counts_from(raw)


def new_counts_queue(pipe, store, *, seen: str | None = None) -> None:
    """Queue on `pipe` (a Redis pipeline) what `new_counts` asks, for a page that reads
    other things in the same round trip; the pipeline's last answer so far is then the
    one for `new_counts_from`."""
    if seen is not None and seen not in KINDS:
        raise ValueError(f"Unknown kind {seen!r}.")
    if seen is not None:
        pipe.hdel(_key(store), seen)
    pipe.hgetall(_key(store))


def new_counts_from(raw: dict) -> dict[str, int]:
    values = {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in raw.items()}
    return {kind: max(values.get(kind, 0), 0) for kind in KINDS}


def new_counts_reset(store, kind: str | None = None) -> None:
    """Clear one kind, or every kind when `kind` is None."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}.")
    try:
        if kind is None:
            shared_redis().delete(_key(store))
        else:
            shared_redis().hdel(_key(store), kind)
    except REDIS_UNAVAILABLE as exc:
        logger.warning("New counts of store %s not reset: Redis did not answer (%s)", store.pk, exc)


def new_count_bump(store, kind: str, by: int = 1) -> int:
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}.")
    pipe = shared_redis().pipeline()
    pipe.hincrby(_key(store), kind, by)
    pipe.expire(_key(store), _TTL)
    value, _ = pipe.execute()
    return int(value)
