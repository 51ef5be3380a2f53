"""The Redis connection Storedesk's own shared state uses: the rate limiter, the
circuit mark, the "new" counters, token-refresh locks and the read cache's locks.

One connection pool per process and URL (REDIS_URL). Django's cache goes through its
own client (settings.CACHES); Celery through its broker URL.
"""

from __future__ import annotations

import redis
from django.conf import settings

_clients: dict[str, redis.Redis] = {}


def shared_redis() -> redis.Redis:
    """One connection pool per process for REDIS_URL."""
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return client
