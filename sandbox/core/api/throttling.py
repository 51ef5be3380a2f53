"""The platform's rate limit: N requests per second per access token, as a token bucket.

The bucket holds N requests and refills at N per second, N being the store's limit
(4 by default). A client that paces itself at N per second never sees a 429; a burst
gets N through and 429s with `Retry-After` (whole seconds, at least 1) after that.
The sandbox is a single process, so the buckets live in its memory.
"""

import threading
import time

from rest_framework.throttling import BaseThrottle

_buckets: dict[int, tuple[float, float]] = {}
_lock = threading.Lock()


def reset_buckets() -> None:
    with _lock:
        _buckets.clear()


class TokenBucketThrottle(BaseThrottle):
    def allow_request(self, request, view):
        token = request.auth
        if token is None:
            return True
        rate = request._request.sandbox_store.effective_rate_limit()
        if rate <= 0:
            return True
        capacity = max(1.0, rate)
        now = time.monotonic()
        with _lock:
            level, last = _buckets.get(token.id, (capacity, now))
            level = min(capacity, level + (now - last) * rate)
            if level >= 1.0:
                _buckets[token.id] = (level - 1.0, now)
                return True
            _buckets[token.id] = (level, now)
        self._wait = (1.0 - level) / rate
        return False

    def wait(self):
        return self._wait
