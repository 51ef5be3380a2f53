"""The per-store request rate limit, shared by every process and machine through Redis.

GCRA (generic cell rate algorithm) in one atomic Lua script: a key per store holds the
"theoretical arrival time" of the next free slot; slots are `1/rate` apart.

Two priorities:
- interactive calls (page views) *reserve* the next free slot and sleep until it, so
  they queue in arrival order and never wait behind a bulk job's backlog. They may
  also go up to `interactive_burst` slots early (a page view during an export borrows
  the slot ahead instead of waiting for it). A page view never waits longer than
  `max_wait`: past it nothing is reserved and `StoreBusy` is raised, so the page can
  show what it already has instead of holding a web thread;
- bulk calls (exports, bulk actions) *take* a slot that is free now, or one set aside
  for them; otherwise they sleep a little and ask again. They never borrow.

A fair share for bulk jobs: while a bulk caller has asked for a slot in the last
BULK_ACTIVE_MS, one slot in `bulk_every` is set aside for bulk however many page views
queue (the slot after every `bulk_every - 1` interactive reservations is skipped by
them and recorded for bulk). Over any stretch of time the store still sees at most
`rate` requests per second: the set-aside slot is one of the regular slots, never an
extra one, and is used at its own time or not at all (a set-aside slot that no bulk
caller takes in time is lost, not reused late), so with `interactive_burst` the store
sees at most one request more than its rate in any second: what the platform's token
bucket allows.

A 429 from the store holds everyone back until its `Retry-After` has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings

from .errors import StoreBusy
from .redis_client import shared_redis

INTERACTIVE = "interactive"
BULK = "bulk"
PRIORITIES = (INTERACTIVE, BULK)
BULK_ACTIVE_MS = 3000  # a bulk caller asks at least every interval while it runs
MAX_SET_ASIDE = 8  # slots set aside for bulk and not yet taken, at most

# KEYS: 1 next-free-slot time, 2 hold after a 429 (both microseconds on Redis's clock),
# 3 "a bulk caller is active" mark, 4 the set-aside slots (a list of slot times),
# 5 interactive reservations since the last set-aside slot.
# ARGV: 1 slot interval (us), 2 mode ("reserve" or "take"), 3 how early a reservation may
# go (us), 4 the longest wait a reservation accepts (us, -1: any), 5 one slot in N goes to
# bulk while it is active (0: none), 6 BULK_ACTIVE_MS, 7 MAX_SET_ASIDE.
# Returns {taken (1/0), wait (us)}.
_ACQUIRE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local hold = tonumber(redis.call('GET', KEYS[2]) or '0')
if hold > now then
  return {0, hold - now}
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end

if ARGV[2] == 'reserve' then
  local wait = tat - tonumber(ARGV[3]) - now
  if wait < 0 then wait = 0 end
  local max_wait = tonumber(ARGV[4])
  if max_wait >= 0 and wait > max_wait then
    return {0, wait}
  end
  local new_tat = tat + interval
  local every = tonumber(ARGV[5])
  if every > 1 and redis.call('EXISTS', KEYS[3]) == 1 then
    local count = redis.call('INCR', KEYS[5])
    redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[6]))
    if count >= every - 1 and redis.call('LLEN', KEYS[4]) < tonumber(ARGV[7]) then
      redis.call('SET', KEYS[5], 0, 'PX', tonumber(ARGV[6]))
      redis.call('RPUSH', KEYS[4], new_tat)
      redis.call('PEXPIRE', KEYS[4], math.floor((new_tat - now) / 1000) + tonumber(ARGV[6]))
      new_tat = new_tat + interval
    end
  end
  redis.call('SET', KEYS[1], new_tat, 'PX', math.floor((new_tat - now) / 1000) + 1000)
  return {1, wait}
end

-- take (bulk)
redis.call('SET', KEYS[3], 1, 'PX', tonumber(ARGV[6]))
while true do
  local head = redis.call('LINDEX', KEYS[4], 0)
  if not head then break end
  redis.call('LPOP', KEYS[4])
  head = tonumber(head)
  if head >= now then
    return {1, head - now}
  end
  -- a set-aside slot already past is lost: sending late would crowd the next slot
end
local wait = tat - now
if wait > 0 then
  if wait > interval then wait = interval end
  return {0, wait}
end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.floor(interval / 1000) + 1000)
return {1, 0}
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


def bulk_every(share: float) -> int:
    """One slot in N for a bulk share (0.25: one in 4); 0 when there is no share."""
    if share <= 0:
        return 0
    return max(1, round(1 / min(share, 1.0)))


class RateLimiter:
    def __init__(
        self,
        *,
        key: str,
        per_second: float,
        interactive_burst: int = 0,
        bulk_share: float = 0.0,
        connection: redis.Redis | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if per_second <= 0:
            raise ValueError("The rate must be positive.")
        self.key = key
        self.hold_key = f"{key}:hold"
        self.interval_us = int(1_000_000 / per_second)
        self.burst_us = max(0, int(interactive_burst)) * self.interval_us
        self.bulk_every = bulk_every(bulk_share)
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
            bulk_share=settings.STOREAPI_BULK_SHARE,
            **kwargs,
        )

    def _keys(self) -> list[str]:
        return [self.key, self.hold_key, f"{self.key}:bulk", f"{self.key}:aside", f"{self.key}:count"]

    def acquire(self, priority: str = INTERACTIVE, *, max_wait: float | None = None) -> float:
        """Block until this process may send one request. Returns the seconds waited.

        With `max_wait` (page views), raises StoreBusy instead of waiting longer; the
        slot is then not taken."""
        if priority not in PRIORITIES:
            raise ValueError(f"Unknown priority {priority!r}.")
        mode = "reserve" if priority == INTERACTIVE else "take"
        bound_us = -1 if max_wait is None else int(max_wait * 1_000_000)
        waited = 0.0
        while True:
            left_us = -1 if bound_us < 0 else max(0, bound_us - int(waited * 1_000_000))
            taken, wait_us = self._acquire(
                keys=self._keys(),
                args=[self.interval_us, mode, self.burst_us, left_us, self.bulk_every, BULK_ACTIVE_MS, MAX_SET_ASIDE],
            )
            wait = int(wait_us) / 1_000_000
            if int(taken):
                if wait > 0:
                    self.sleep(wait)
                return waited + wait
            if max_wait is not None and waited + wait > max_wait:
                raise StoreBusy(f"No free slot within {max_wait:g} s (next in {wait:.1f} s).", retry_after=wait)
            self.sleep(wait)
            waited += wait

    def penalize(self, seconds: float) -> None:
        """Nobody sends to this store for `seconds` (after a 429's Retry-After)."""
        self._penalize(keys=[self.hold_key], args=[int(seconds * 1_000_000)])


def window_hit(name: str, *, limit: int, window_seconds: int) -> int:
    """Count one hit of `name` in a fixed window shared by every process (Redis).

    Returns 0 while the window has taken at most `limit` hits, else the seconds until
    it ends (for a `Retry-After`). For what an outsider may make Storedesk do a bounded
    number of times, such as a payment return making Storedesk read the store."""
    key = f"storeapi:hits:{name}"
    pipe = shared_redis().pipeline(transaction=True)
    pipe.set(key, 0, ex=max(1, int(window_seconds)), nx=True)  # the window starts with its first hit
    pipe.incr(key)  # keeps the expiry the first hit set
    pipe.ttl(key)
    _, count, ttl = pipe.execute()
    return max(1, int(ttl)) if int(count) > limit else 0
