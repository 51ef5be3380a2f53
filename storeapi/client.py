"""StoreClient: the one way Storedesk talks to a store's Admin API.

    client = StoreClient.for_store(store)                      # a page view
    client = StoreClient.for_store(store, priority="bulk")     # an export
    order = client.get(f"orders/{number}/", cache_group=("orders", number))
    page = client.list_page("orders/", {"status": "open"}, cursor=request.GET.get("cursor"))
    notes = client.list_page(f"orders/{number}/notes/", cache_group=("orders", number))
    for page in client.iter_pages("orders/", filters, cursor=saved_cursor): ...
    client.post(f"orders/{number}/notes/", {"message": "..."})

Every call: the bearer token and API version headers, connect and read timeouts, the
store's shared rate limit (storeapi.ratelimit), retries (storeapi.retry), one token
refresh on 401, and a typed error (storeapi.errors) for anything that is not a
success. Answers are plain dicts and lists.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from . import cache as object_cache
from .circuit import circuit_open, circuit_reset, circuit_trip
from .domains import store_base_url
from .errors import (
    RateLimited,
    StoreAPIError,
    StoreNotConnected,
    StoreUnavailable,
    TokenRevoked,
    UnexpectedResponse,
    error_from_response,
    parse_retry_after,
)
from .http import shared_session
from .ratelimit import BULK, INTERACTIVE, RateLimiter
from .retry import BULK_POLICY, INTERACTIVE_POLICY, RetryPolicy

logger = logging.getLogger(__name__)

# The scope each resource needs (read for GET, write otherwise), for telling an
# operator which permission a 403 is about.
_RESOURCE_SCOPES = {
    "orders": "orders",
    "users": "users",
    "tickets": "tickets",
    "tickettypes": "tickets",
    "exports": "exports",
    "webhooks": "webhooks",
    "store": "store",
    "products": "catalogue",
    "transactions": "transactions",
}


def required_scope(method: str, path: str) -> str | None:
    resource = path.strip("/").split("/", 1)[0]
    base = _RESOURCE_SCOPES.get(resource)
    if base is None:
        return None
    return f"{base}:{'read' if method.upper() in ('GET', 'HEAD') else 'write'}"


@dataclass(frozen=True)
class Page:
    results: list[dict]
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @classmethod
    def from_body(cls, body, *, store: str | None = None) -> Page:
        """The page a list answer (`{"results": [...], "next": ..., "previous": ...}`)
        describes. A `next` link without a cursor is an error (a walk would stop early
        or loop); `previous` is never followed, so a bad one is just left out."""
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise UnexpectedResponse("A list answer has no results.", store=store)
        next_cursor = _cursor_from(body.get("next"))
        if body.get("next") and next_cursor is None:
            raise UnexpectedResponse("A pagination link has no cursor.", store=store)
        return cls(results=body["results"], next_cursor=next_cursor, previous_cursor=_cursor_from(body.get("previous")))


def _cursor_from(url) -> str | None:
    """The opaque `cursor` value of a `next`/`previous` link, or None."""
    if not isinstance(url, str) or not url:
        return None
    values = parse_qs(urlsplit(url).query).get("cursor")
    return values[0] if values else None


def _token_fingerprint(store) -> str:
    return hashlib.sha256(store.access_token().encode()).hexdigest()[:24]


def _request_was_sent(exc: requests.RequestException) -> bool:
    # A connect timeout or refused connection never reached the store.
    return not isinstance(exc, requests.ConnectTimeout) and not (
        isinstance(exc, requests.ConnectionError) and "Connection refused" in str(exc)
    )


class StoreClient:
    def __init__(
        self,
        *,
        store,
        priority: str = INTERACTIVE,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        timeout: tuple[float, float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.clock = clock
        self.priority = priority
        self.session = session or shared_session()
        # A store row not saved yet (a token being checked while connecting): no
        # refresh, no status change, no circuit mark, no object cache, and a rate
        # limit of its own (the platform counts per token).
        self.transient = store.pk is None
        self.limiter = limiter or RateLimiter.for_store(
            f"token:{_token_fingerprint(store)}" if self.transient else str(store.pk), sleep=sleep
        )
        self.policy = policy or (BULK_POLICY if priority == BULK else INTERACTIVE_POLICY)
        self.timeout = timeout or (settings.STOREAPI_CONNECT_TIMEOUT, settings.STOREAPI_READ_TIMEOUT)
        self.sleep = sleep
        self.api_root = f"{store_base_url(store.subdomain)}/api/admin/"

    @classmethod
    def for_store(cls, store, priority: str = INTERACTIVE, **kwargs) -> StoreClient:
        return cls(store=store, priority=priority, **kwargs)

    # --- the public calls ------------------------------------------------------------

    def get(self, path: str, params: dict | None = None, *, cache_group: tuple[str, str] | None = None):
        """One object (or any GET). With `cache_group`, served from the object cache
        when possible; webhooks for that object invalidate it."""
        if cache_group is not None and not self.transient:
            group = (cache_group[0], str(cache_group[1]))
            hit = object_cache.cached_read(self.store.pk, group, path, params)
            if hit is not None:
                return hit
            value = self._request("GET", path, params=params)
            object_cache.store_read(self.store.pk, group, path, params, value)
            return value
        return self._request("GET", path, params=params)

    def list_page(
        self,
        path: str,
        params: dict | None = None,
        *,
        cursor: str | None = None,
        cache_group: tuple[str, str] | None = None,
    ) -> Page:
        """One page of a list endpoint, and the cursor of the next one. With
        `cache_group`, served from the object cache like `get` (a list that belongs
        to one object: an order's notes)."""
        query = dict(params or {})
        if cursor:
            query["cursor"] = cursor
        body = self.get(path, query, cache_group=cache_group)
        return Page.from_body(body, store=self.store.subdomain)

    def iter_pages(self, path: str, params: dict | None = None, *, cursor: str | None = None) -> Iterator[Page]:
        """Every page from `cursor` (or the first) on. Each page carries the cursor to
        resume after it, so a job can save it and continue in another process."""
        while True:
            page = self.list_page(path, params, cursor=cursor)
            yield page
            if not page.has_next:
                return
            cursor = page.next_cursor

    # Writes: `invalidates` names the object whose cached reads the write makes stale;
    # the lists of the path's resource ("tickets" for "tickets/31/") are marked changed
    # in any case (storeapi.cache.lists_changed).

    def post(self, path: str, json: dict | list | None = None, *, invalidates: tuple[str, str] | None = None):
        return self._write("POST", path, json, invalidates)

    def patch(self, path: str, json: dict, *, invalidates: tuple[str, str] | None = None):
        return self._write("PATCH", path, json, invalidates)

    def delete(self, path: str, *, invalidates: tuple[str, str] | None = None):
        return self._write("DELETE", path, None, invalidates)

    def invalidate(self, resource: str, object_id) -> None:
        object_cache.invalidate(self.store.pk, resource, object_id)

    # --- the machinery -------------------------------------------------------------------

    def _write(self, method, path, json, invalidates):
        try:
            return self._request(method, path, json=json)
        finally:
            # Even a failed write may have changed the object, and with it the lists
            # it is in (a ticket's status, a new order).
            if invalidates is not None:
                self.invalidate(*invalidates)
            if not self.transient:
                object_cache.lists_changed(self.store.pk, path.split("/", 1)[0])

    def _url(self, path: str) -> str:
        if "://" in path or path.startswith(("/", "\\")) or ".." in path.split("/"):
            raise ValueError("A store API path must be relative to the API root.")
        return self.api_root + path

    @sensitive_variables("token")
    def _headers(self) -> dict[str, str]:
        token = self.store.access_token()
        if not token or self.store.status == self.store.Status.DISCONNECTED:
            raise StoreNotConnected(store=self.store.subdomain)
        return {
            "Authorization": f"Bearer {token}",
            "X-29Next-Api-Version": settings.STOREAPI_API_VERSION,
            "Accept": "application/json",
        }

    @sensitive_variables("headers")  # the bearer token, kept out of error reports
    def _request(self, method: str, path: str, *, params=None, json=None):
        from .oauth import refresh_access_token  # oauth imports this module's neighbours

        url = self._url(path)
        subdomain = self.store.subdomain
        if self.priority == INTERACTIVE and not self.transient and circuit_open(str(self.store.pk)):
            raise StoreUnavailable("The store failed moments ago; not asking again yet.", store=subdomain)
        # `waited` counts the pauses between attempts and the time spent in attempts
        # that failed without an answer, so a store that hangs cannot hold a caller
        # much longer than the policy's total time (plus one read timeout).
        attempt, waited, refreshed = 0, 0.0, False
        while True:
            attempt += 1
            headers = self._headers()
            used_ciphertext = self.store.access_token_encrypted
            self.limiter.acquire(self.priority)
            started = self.clock()
            try:
                response = self.session.request(
                    method, url, params=params, json=json, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                waited += self.clock() - started
                sent = _request_was_sent(exc)
                delay = self.policy.backoff(attempt)
                logger.warning(
                    "%s %s on store %s failed: %s (attempt %d)", method, path, subdomain, type(exc).__name__, attempt
                )
                if self.policy.exception_is_retryable(method, request_sent=sent) and self.policy.can_retry(
                    attempt=attempt, waited=waited, delay=delay
                ):
                    self.sleep(delay)
                    waited += delay
                    continue
                self._trip_circuit(attempt)
                raise StoreUnavailable(f"No answer from the store ({type(exc).__name__}).", store=subdomain) from None
            status = response.status_code
            logger.info(
                "%s %s on store %s: %d in %.0f ms", method, path, subdomain, status, (self.clock() - started) * 1000
            )

            if status == 401 and not refreshed and not self.transient:
                refreshed = True
                if refresh_access_token(self.store, used_ciphertext=used_ciphertext):
                    continue
                self._mark_needs_reconnect()
                raise error_from_response(response, store=subdomain)

            if status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                self.limiter.penalize(retry_after)
                if retry_after <= self.policy.max_retry_after and self.policy.can_retry(
                    attempt=attempt, waited=waited, delay=retry_after
                ):
                    waited += retry_after  # the limiter makes us wait it out
                    continue
                raise RateLimited("The store kept answering 429.", retry_after=retry_after, status=429, store=subdomain)

            if self.policy.status_is_retryable(method, status):
                delay = self.policy.backoff(attempt)
                if self.policy.can_retry(attempt=attempt, waited=waited, delay=delay):
                    self.sleep(delay)
                    waited += delay
                    continue

            if 200 <= status < 300:
                if not self.transient:
                    circuit_reset(str(self.store.pk))
                return self._parse(response)
            error = error_from_response(response, store=subdomain, scope=required_scope(method, path))
            if isinstance(error, StoreUnavailable):
                self._trip_circuit(attempt)
            if isinstance(error, TokenRevoked):
                self._mark_needs_reconnect()
            raise error

    def _parse(self, response):
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise UnexpectedResponse(
                "The store's answer is not JSON.", status=response.status_code, store=self.store.subdomain
            ) from None

    def _trip_circuit(self, attempts: int) -> None:
        """After failures that persisted through retries (not a single unretried POST)."""
        if attempts > 1 and not self.transient:
            circuit_trip(str(self.store.pk))
            logger.warning("Store %s keeps failing; page views pause for a few seconds.", self.store.subdomain)

    def _mark_needs_reconnect(self) -> None:
        store = self.store
        if self.transient:
            return
        if store.status != store.Status.NEEDS_RECONNECT:
            store.status = store.Status.NEEDS_RECONNECT
            store.save(update_fields=["status", "updated_at"])
            logger.warning("Store %s refused its token; it needs to be reconnected.", store.subdomain)


__all__ = ["BULK", "INTERACTIVE", "Page", "StoreAPIError", "StoreClient", "required_scope"]
