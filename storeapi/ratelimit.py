"""The per-store request rate limit, shared by every process and machine through Redis.

GCRA (generic cell rate algorithm) in one atomic Lua script: a key per store holds the
"theoretical arrival time" of the next free slot; slots are `1/rate` apart.

Two priorities:
- interactive calls (page views) *reserve* the next free slot and sleep until it, so
  they queue in arrival order and never wait behind a bulk job's backlog. They may
  also go up to `interactive_burst` slots early: a page view during an export borrows
  the slot ahead instead of waiting for it, and the export's next slot moves back by
  one. Over any stretch of time the store still sees at most `rate` requests per
  second, with at most `interactive_burst` extra in one second — what the platform's
  token-bucket limit allows (STOREAPI_INTERACTIVE_BURST=0 makes the spacing strict);
- bulk calls (exports, bulk actions) only *take* a slot that is free now; otherwise
  they sleep until it should be and ask again. They never borrow.

A 429 from the store holds everyone back until its `Retry-After` has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings

from .redis_client import shared_redis

INTERACTIVE = "interactive"
BULK = "bulk"
PRIORITIES = (INTERACTIVE, BULK)

# KEYS[1]: the store's next-free-slot time; KEYS[2]: a hold after a 429 (both in
# microseconds, on Redis's clock). ARGV[1]: slot interval; ARGV[2]: "reserve" or
# "take"; ARGV[3]: how early a reservation may go. Returns {taken (1/0), wait}.
_ACQUIRE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local hold = tonumber(redis.call('GET', KEYS[2]) or '0')
if hold > now then
  return {0, hold - now}
end
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local early = 0
if ARGV[2] == 'reserve' then early = tonumber(ARGV[3]) end
local wait = tat - early - now
if ARGV[2] == 'take' and wait > 0 then
  return {0, wait}
end
if wait < 0 then wait = 0 end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.floor((new_tat - now) / 1000) + 1000)
return {1, wait}
"""

# KEYS[1]: the hold key. ARGV[1]: microseconds from now before anyone may send.
_PENALIZE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local until_ = now + tonumber(ARGV[1])
local hold = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > hold then
  redis.call('SET', KEYS[1], until_, 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return 1
"""


class RateLimiter:
    def __init__(
        self,
        *,
        key: str,
        per_second: float,
        interactive_burst: int = 0,
        connection: redis.Redis | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if per_second <= 0:
            raise ValueError("The rate must be positive.")
        self.key = key
        self.hold_key = f"{key}:hold"
        self.interval_us = int(1_000_000 / per_second)
        self.burst_us = max(0, int(interactive_burst)) * self.interval_us
        self.redis = connection or shared_redis()
        self.sleep = sleep
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._penalize = self.redis.register_script(_PENALIZE)

    @classmethod
    def for_store(cls, store_key: str, **kwargs) -> RateLimiter:
        return cls(
            key=f"storeapi:ratelimit:{store_key}",
            per_second=settings.STOREAPI_RATE_LIMIT_PER_SECOND,
            interactive_burst=settings.STOREAPI_INTERACTIVE_BURST,
            **kwargs,
        )

    def acquire(self, priority: str = INTERACTIVE) -> float:
        """Block until this process may send one request. Returns the seconds waited."""
        if priority not in PRIORITIES:
            raise ValueError(f"Unknown priority {priority!r}.")
        mode = "reserve" if priority == INTERACTIVE else "take"
        waited = 0.0
        while True:
            taken, wait_us = self._acquire(keys=[self.key, self.hold_key], args=[self.interval_us, mode, self.burst_us])
            wait = int(wait_us) / 1_000_000
            if int(taken):
                if wait > 0:
                    self.sleep(wait)
                return waited + wait
            self.sleep(wait)
            waited += wait

    def penalize(self, seconds: float) -> None:
        """Nobody sends to this store for `seconds` (after a 429's Retry-After)."""
        self._penalize(keys=[self.hold_key], args=[int(seconds * 1_000_000)])
