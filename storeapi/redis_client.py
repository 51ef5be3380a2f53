"""The Redis connection Storedesk's own shared state uses: the rate limiter, the
circuit mark, the "new" counters, token-refresh locks and the read cache's locks.

One connection pool per process and URL (REDIS_URL). Django's cache goes through its
own client (settings.CACHES); Celery through its broker URL. All three wait at most
REDIS_CONNECT_TIMEOUT / REDIS_SOCKET_TIMEOUT, so that a Redis that does not answer
fails a request within seconds (then the page says so: dashboard/views/errors.py).
"""

from __future__ import annotations

import redis
from django.conf import settings

_clients: dict[str, redis.Redis] = {}

# What redis-py (and Django's cache, which uses it) raises when Redis does not answer:
# refused, reset, or no answer within REDIS_SOCKET_TIMEOUT. Not its other errors, which
# are bugs.
REDIS_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def shared_redis() -> redis.Redis:
    """One connection pool per process for REDIS_URL."""
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
    return client
