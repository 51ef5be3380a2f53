"""Sessions: kept in the database, read through Redis (SESSION_ENGINE).

Every request reads its session. Django's `cached_db` engine reads it from the cache
(Redis: one round trip) and only on a miss from the database, and writes both; that is a
query fewer on every page. What this engine changes:

- While Redis does not answer, a session is read from the database alone, and not put
  back in Redis, so that the pages which need no Redis keep working as they did with
  sessions in the database (a hung Redis costs one wait, not two).
- A session is deleted (sign-out, a new key at sign-in) from Redis before the database
  and from Redis again after: one that Redis could not delete is not deleted at all (the
  page says Redis is unavailable), rather than left in Redis to come back; one read back
  into Redis by a request in between is gone too.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db

from storeapi.redis_client import REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except REDIS_UNAVAILABLE as exc:
            logger.warning("Session read from the database: Redis did not answer (%s)", exc)
            return self._load_from_database(keep_in_cache=False)
        if data is not None:
            return data
        return self._load_from_database(keep_in_cache=True)

    def _load_from_database(self, *, keep_in_cache: bool) -> dict:
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        if keep_in_cache:
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
            except REDIS_UNAVAILABLE as exc:
                logger.warning("Session not kept in Redis: Redis did not answer (%s)", exc)
        return data

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        key = self.cache_key_prefix + session_key
        self._cache.delete(key)
        super(cached_db.SessionStore, self).delete(session_key)  # the database's delete
        self._cache.delete(key)
