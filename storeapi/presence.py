"""Which operators are working on a store right now, shared by every process (Redis).

Every store page an operator opens marks them present on that store (`store_seen`,
called by the access chokepoint). A bulk job's page uses the count to say why it waits
("sharing the store's rate limit with 18 operators").

Presence only decorates: while Redis does not answer, marking does nothing and the count
is 0, so that the pages which need no store (a job's progress, the members) still work.
"""

from __future__ import annotations

import logging
import time

from .redis_client import REDIS_UNAVAILABLE, shared_redis

logger = logging.getLogger(__name__)

RECENT_SECONDS = 60  # present: opened a page of the store within this long
_FORGET_SECONDS = 300


def _key(store_id: int) -> str:
    return f"storeapi:present:{store_id}"


def store_seen(*, store_id: int, operator_id: int) -> None:
    now = time.time()
    pipe = shared_redis().pipeline(transaction=False)
    pipe.zadd(_key(store_id), {str(operator_id): now})
    pipe.zremrangebyscore(_key(store_id), "-inf", now - _FORGET_SECONDS)
    pipe.expire(_key(store_id), _FORGET_SECONDS)
    try:
        pipe.execute()
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Presence on store %s not recorded: Redis did not answer (%s)", store_id, exc)


# Every page view of a store marks its operator present; a mark lasts RECENT_SECONDS, so
# one a few seconds old says the same. Each process marks an operator on a store at most
# this often (one round trip to Redis fewer on most page views).
REMARK_SECONDS = 10.0
_marked: dict[tuple[int, int], float] = {}


def store_seen_now_and_then(*, store_id: int, operator_id: int) -> None:
    """`store_seen`, unless this process marked the operator on the store moments ago."""
    now = time.monotonic()
    if now - _marked.get((store_id, operator_id), float("-inf")) < REMARK_SECONDS:
        return
    _marked[(store_id, operator_id)] = now
    store_seen(store_id=store_id, operator_id=operator_id)


def store_operators_present(*, store_id: int, within: float = RECENT_SECONDS, excluding: int | None = None) -> int:
    """How many operators opened a page of the store within `within` seconds."""
    key = _key(store_id)
    now = time.time()
    try:
        count = int(shared_redis().zcount(key, now - within, "+inf"))
        seen = shared_redis().zscore(key, str(excluding)) if excluding is not None else None
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Presence on store %s not read: Redis did not answer (%s)", store_id, exc)
        return 0
    if seen is not None and float(seen) >= now - within:
        count -= 1
    return count
