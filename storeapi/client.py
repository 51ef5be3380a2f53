"""StoreClient: the one way Storedesk talks to a store's Admin API.

    client = StoreClient.for_store(store)                      # a page view
    client = StoreClient.for_store(store, priority="bulk")     # an export
    order = client.get(f"orders/{number}/", cached=True)
    page = client.list_page("orders/", {"status": "open"}, cursor=request.GET.get("cursor"), cached=True)
    for page in client.iter_pages("orders/", filters, cursor=saved_cursor): ...
    client.post(f"orders/{number}/notes/", {"message": "..."})

Every call: the bearer token and API version headers, connect and read timeouts, the
store's shared rate limit (storeapi.ratelimit), retries (storeapi.retry), one token
refresh on 401, and a typed error (storeapi.errors) for anything that is not a
success. Answers are plain dicts and lists.

Page views (interactive priority) read through the shared cache (`cached=True`,
storeapi.cache): one upstream request for a whole team, one in flight per key, and
never more than STOREAPI_PAGE_WAIT_SECONDS of waiting for a slot, a 429 hold or a
colleague's identical read; past that the last answer is shown, saying how old it is
(storeapi.freshness), or StoreBusy is raised. At most STOREAPI_STORE_THREADS_PER_PROCESS
threads of a process wait on one store (storeapi.concurrency). Every write marks what it
changed (an operator's write shows on the very next view). Bulk jobs never read
through the cache.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from . import cache as read_cache
from .background import run_soon
from .circuit import circuit_open, circuit_reset, circuit_trip
from .concurrency import store_thread_place
from .domains import store_base_url
from .errors import (
    RateLimited,
    StoreAPIError,
    StoreBusy,
    StoreNotConnected,
    StoreUnavailable,
    TokenRevoked,
    UnexpectedResponse,
    error_from_response,
    parse_retry_after,
)
from .freshness import record_read, wait_left, wants_fresh
from .http import shared_session
from .ratelimit import BULK, INTERACTIVE, RateLimiter
from .retry import BULK_POLICY, INTERACTIVE_POLICY, SAFE_METHODS, RetryPolicy

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
    "stockrecords": "catalogue",
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


CIRCUIT_OPEN_MESSAGE = "The store failed moments ago; not asking again yet."
FOLLOW_POLL_SECONDS = 0.02  # how often a reader waiting for a colleague's read looks


def _shown_instead_note(store, error: StoreAPIError) -> str:
    """Why a page shows an older answer instead of the store's current one (naming the
    store: an all-stores page shows several)."""
    if isinstance(error, RateLimited):
        return f"{store.display_name} is busy right now"
    return f"{store.display_name} is not answering right now"


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
        self._limiter = limiter
        self.policy = policy or (BULK_POLICY if priority == BULK else INTERACTIVE_POLICY)
        read_timeout = settings.STOREAPI_READ_TIMEOUT
        if priority == INTERACTIVE:
            read_timeout = min(read_timeout, settings.STOREAPI_PAGE_READ_TIMEOUT)
        self.timeout = timeout or (settings.STOREAPI_CONNECT_TIMEOUT, read_timeout)
        # A page view's bound on every wait (None: a bulk job, which waits its turn).
        self.wait_bound = settings.STOREAPI_PAGE_WAIT_SECONDS if priority == INTERACTIVE else None
        self.sleep = sleep
        self.api_root = f"{store_base_url(store.subdomain)}/api/admin/"
        # Lookups `cached_gets` made with this client for reads the cache could not serve:
        # the read that asks the store next uses it rather than looking again.
        self._missed: dict[str, read_cache.Lookup] = {}
        # Leads taken ahead for reads about to be asked (`take_leads`), by key.
        self._leads: dict[str, tuple[read_cache.Lookup, read_cache.Lead]] = {}

    @classmethod
    def for_store(cls, store, priority: str = INTERACTIVE, **kwargs) -> StoreClient:
        return cls(store=store, priority=priority, **kwargs)

    @property
    def limiter(self) -> RateLimiter:
        """The store's shared rate limit, made when a request is first sent: a page of
        many stores makes a client per store, and most of them are served from the
        shared cache without a request."""
        if self._limiter is None:
            key = f"token:{_token_fingerprint(self.store)}" if self.transient else str(self.store.pk)
            self._limiter = RateLimiter.for_store(key, sleep=self.sleep)
        return self._limiter

    # --- the public calls ------------------------------------------------------------

    def get(
        self,
        path: str,
        params: dict | None = None,
        *,
        cached: bool = False,
        fresh: bool = False,
        reference: bool = False,
    ):
        """One object (or any GET). With `cached` (page views), through the shared read
        cache; `fresh` asks the store now whatever the cache holds (and keeps the answer
        for the next reader), for a read that a write is about to depend on. A
        `reference` read (ticket types, shipping methods: what labels a page) does not
        count towards how old the page's data is said to be."""
        if cached and not self.transient and self.priority == INTERACTIVE:
            return self._cached_get(path, params, fresh=fresh, reference=reference)
        return self._request("GET", path, params=params)

    def list_page(
        self,
        path: str,
        params: dict | None = None,
        *,
        cursor: str | None = None,
        cached: bool = False,
        fresh: bool = False,
    ) -> Page:
        """One page of a list endpoint, and the cursor of the next one."""
        body = self.get(path, page_query(params, cursor), cached=cached, fresh=fresh)
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

    # Writes mark what they changed (storeapi.cache.write_dependencies: the object of the
    # path, its resource's lists and the lists it shows in); an operator's write so that
    # the very next view asks the store, a bulk job's like a webhook.

    def post(self, path: str, json: dict | list | None = None):
        return self._write("POST", path, json)

    def patch(self, path: str, json: dict):
        return self._write("PATCH", path, json)

    def delete(self, path: str):
        return self._write("DELETE", path, None)

    def invalidate(self, resource: str, object_id) -> None:
        """The object changed at the store by a way other than this client's writes."""
        read_cache.invalidate(self.store.pk, resource, object_id, own=self.priority == INTERACTIVE)

    # --- the shared read cache ------------------------------------------------------------

    def cached_list_page(self, path: str, params: dict | None = None, *, cursor: str | None = None) -> Page | None:
        """The page `list_page(..., cached=True)` would show, if the shared cache can
        show it now (refreshing it in the background if due); None when the store must
        be asked."""
        return cached_list_pages([self], path, params, cursors=[cursor])[0]

    def _serve_cached(self, found: read_cache.Lookup, path: str, params: dict | None, *, reference: bool) -> bool:
        """Whether `found`'s answer may be shown now; if so it is recorded as shown and,
        when due, refreshed in the background."""
        announced = bool(self.store.webhook_secret_encrypted)  # connected with Storedesk's webhook
        verdict = read_cache.verdict(found, now=time.time(), wants_fresh=wants_fresh(), announced=announced)
        if not verdict.serve:
            return False
        record_read(fetched_at=found.entry.fetched_at, from_cache=not reference)
        if verdict.refresh and _refresh_slot_take(self.store.pk):
            if read_cache.claim_refresh(found):
                run_soon(_refresh_read, self.store, path, params)
            else:
                _refresh_slot_give(self.store.pk)
        return True

    def _cached_get(self, path: str, params: dict | None, *, fresh: bool, reference: bool):
        store_id = self.store.pk
        found = self._missed.pop(read_cache.entry_key(store_id, path, params), None)
        if found is None:
            found = read_cache.lookup(store_id, path, params)
        if fresh:
            started = time.time()
            value = self._request("GET", path, params=params)
            read_cache.save(found, value, fetched_at=started)
            return value
        asked_at = time.time()
        if self._serve_cached(found, path, params, reference=reference):
            return found.entry.value
        try:
            with store_thread_place(str(store_id), timeout=self._wait_left()):
                entry = self._read_once(found, path, params, asked_at=asked_at)
        except (RateLimited, StoreUnavailable) as error:
            if found.entry is None:
                raise
            # Busy or down: the last answer, saying how old it is, rather than nothing.
            record_read(fetched_at=found.entry.fetched_at, from_cache=True, note=_shown_instead_note(self.store, error))
            return found.entry.value
        record_read(fetched_at=entry.fetched_at, from_cache=not reference and entry.fetched_at < asked_at)
        return entry.value

    def _read_once(
        self, found: read_cache.Lookup, path: str, params: dict | None, *, asked_at: float
    ) -> read_cache.Entry:
        """Ask the store for this key, or wait (bounded) for the reader already asking.

        A newer answer kept meanwhile under the versions this reader saw is its answer;
        so is the error of a read that failed while it waited (not asked again)."""
        deadline = self.clock() + self._wait_left()
        lease = self._lease_seconds()
        judged = _judged(found)
        taken = self._leads.pop(found.key, (None, None))[1]  # the first attempt, made ahead (`take_leads`)

        while True:
            # One round trip: take the lead if no one has it, and see what colleagues'
            # reads of the key left since this reader looked (`found`).
            lead = taken or read_cache.try_lead_or_follow(found, lease_seconds=lease, since=asked_at, newer_than=judged)
            taken = None
            answered = lead.entry if found.entry_is_current(lead.entry) and lead.entry.fetched_at > judged else None
            down = lead.token is not None and lead.circuit_open and answered is None and lead.error is None
            if lead.error is not None or answered is not None or down:
                if lead.token is not None:
                    read_cache.release(found, lead.token)
                if lead.error is not None:
                    raise lead.error
                if down:
                    raise StoreUnavailable(CIRCUIT_OPEN_MESSAGE, store=self.store.subdomain)
                return answered
            if lead.token is not None:
                return self._lead_read(found, path, params, token=lead.token)
            if self.clock() >= deadline:
                raise StoreBusy("A colleague's identical read did not finish in time.", retry_after=1.0)
            self.sleep(FOLLOW_POLL_SECONDS)

    def _lease_seconds(self) -> float:
        """How long a lead on a read is held at most: the page's wait, and a request's."""
        return self.wait_bound + self.timeout[0] + self.timeout[1] + 2

    def _lead_read(self, found: read_cache.Lookup, path: str, params: dict | None, *, token: str):
        """The read this reader leads: ask the store, keep the answer (or share the
        error) and give up the lead, whatever happens."""
        try:
            started = time.time()
            # The circuit was looked at in the round trip that took the lead.
            value = self._request("GET", path, params=params, circuit_checked=True)
        except StoreAPIError as error:
            read_cache.share_error(found, error, release_token=token)
            raise
        except BaseException:
            read_cache.release(found, token)
            raise
        return read_cache.save(found, value, fetched_at=started, release_token=token)

    # --- the machinery -------------------------------------------------------------------

    def _write(self, method, path, json):
        answer = None
        try:
            answer = self._request(method, path, json=json)
            return answer
        finally:
            # Even a failed write may have changed the object, and with it the lists
            # it is in (a ticket's status, a new order; an order's tickets panel).
            if not self.transient:
                shown = answer if isinstance(answer, dict) else read_cache.cached_object(self.store.pk, path)
                read_cache.changed(
                    self.store.pk, read_cache.write_dependencies(path, shown), own=self.priority == INTERACTIVE
                )

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

    def _request(self, method: str, path: str, *, params=None, json=None, circuit_checked: bool = False):
        if self.wait_bound is None or self.transient:
            return self._send(method, path, params=params, json=json, circuit_checked=circuit_checked)
        with store_thread_place(str(self.store.pk), timeout=self._wait_left()):
            return self._send(method, path, params=params, json=json, circuit_checked=circuit_checked)

    def _wait_left(self) -> float | None:
        """How long this call may still wait (a page view's request shares one budget
        between all its reads: storeapi.freshness.wait_left); None for a bulk job."""
        return None if self.wait_bound is None else wait_left(self.wait_bound)

    @sensitive_variables("headers")  # the bearer token, kept out of error reports
    def _send(self, method: str, path: str, *, params=None, json=None, circuit_checked: bool = False):
        from .oauth import refresh_access_token  # oauth imports this module's neighbours

        url = self._url(path)
        subdomain = self.store.subdomain
        # Page views ask whether the store is marked down (`circuit_checked`: the caller
        # just did); bulk jobs go on regardless and, when answered, take the mark away. A
        # page view found no mark, so it has none of its own to take away (one round trip
        # to Redis fewer per request).
        checked_closed = False
        if self.priority == INTERACTIVE and not self.transient:
            if not circuit_checked and circuit_open(str(self.store.pk)):
                raise StoreUnavailable(CIRCUIT_OPEN_MESSAGE, store=subdomain)
            checked_closed = True
        # `waited` counts the pauses between attempts and the time spent in attempts
        # that failed without an answer, so a store that hangs cannot hold a caller
        # much longer than the policy's total time (plus one read timeout).
        attempt, waited, refreshed = 0, 0.0, False
        while True:
            attempt += 1
            headers = self._headers()
            used_ciphertext = self.store.access_token_encrypted
            self.limiter.acquire(self.priority, max_wait=self._wait_left())
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
                # A store that let a request wait its whole read timeout has held the
                # caller long enough: a page view does not ask again, and page views
                # leave the store alone for a while (the circuit).
                hung = isinstance(exc, requests.ReadTimeout) and method.upper() in SAFE_METHODS
                page_view_waited_enough = hung and self.wait_bound is not None
                if (
                    not page_view_waited_enough
                    and self.policy.exception_is_retryable(method, request_sent=sent)
                    and self.policy.can_retry(attempt=attempt, waited=waited, delay=delay)
                ):
                    self.sleep(delay)
                    waited += delay
                    continue
                self._trip_circuit(attempt, hung=hung)
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
                longest = self.policy.max_retry_after
                if self.wait_bound is not None:
                    longest = min(longest, self._wait_left())
                if retry_after <= longest and self.policy.can_retry(attempt=attempt, waited=waited, delay=retry_after):
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
                if not self.transient and not checked_closed:
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

    def _trip_circuit(self, attempts: int, *, hung: bool = False) -> None:
        """After failures that persisted through retries (not a single unretried POST),
        or a read that got no answer within the whole read timeout."""
        if (attempts > 1 or hung) and not self.transient:
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


def page_query(params: dict | None, cursor: str | None) -> dict:
    """The query of one page of a list: its filters, and its cursor after the first."""
    return {**(params or {}), **({"cursor": cursor} if cursor else {})}


def cached_list_pages(
    clients: list[StoreClient], path: str, params: dict | None, *, cursors: list[str | None]
) -> list[Page | None]:
    """For each client's store, the page the shared cache can show now, or None when
    that store must be asked: one round trip to Redis for all of them. Lets a page of
    many stores ask only the stores it has nothing for."""
    queries = [page_query(params, cursor) for cursor in cursors]
    bodies = cached_gets([(c, path, q) for c, q in zip(clients, queries, strict=True)])
    return [
        Page.from_body(body, store=client.store.subdomain) if body is not None else None
        for client, body in zip(clients, bodies, strict=True)
    ]


def cached_gets(reads: list[tuple[StoreClient, str, dict | None]], *, reference: bool = False) -> list[Any | None]:
    """For each `(client, path, params)`, what `client.get(path, params, cached=True,
    reference=reference)` would answer from the shared cache now, or None when that
    store must be asked: one round trip to Redis for all of them (refreshing in the
    background what is due, as `get` does)."""
    usable = [not c.transient and c.priority == INTERACTIVE for c, _path, _params in reads]
    found = iter(
        read_cache.lookup_many([(c.store.pk, path, q) for (c, path, q), ok in zip(reads, usable, strict=True) if ok])
    )
    bodies: list[Any | None] = []
    for (client, path, query), ok in zip(reads, usable, strict=True):
        hit = next(found) if ok else None
        if hit is not None and client._serve_cached(hit, path, query, reference=reference):
            bodies.append(hit.entry.value)
        else:
            if hit is not None:
                client._missed[hit.key] = hit  # for `client.get` of the same read, next
            bodies.append(None)
    return bodies


def _judged(found: read_cache.Lookup) -> float:
    """When the answer a reader looked at was fetched: a colleague's newer one is its answer."""
    return found.entry.fetched_at if found.entry is not None else float("-inf")


def take_leads(reads: list[tuple[StoreClient, str, dict | None]]) -> None:
    """Reads that `cached_gets` could not answer and that are about to be asked at once
    (an all-stores page's stores): the first attempt to lead each (`_read_once`), in one
    round trip instead of one per read, each in its own thread. Every lead taken here
    and not used must be given up: `give_up_leads` after the reads."""
    planned = []
    asked_at = time.time()
    for client, path, query in reads:
        found = client._missed.get(read_cache.entry_key(client.store.pk, path, query))
        if found is not None:
            planned.append((client, found, (found, client._lease_seconds(), asked_at, _judged(found))))
    leads = read_cache.try_lead_or_follow_many([plan for *_, plan in planned]) if planned else []
    for (client, found, _plan), lead in zip(planned, leads, strict=True):
        client._leads[found.key] = (found, lead)


def give_up_leads(clients: list[StoreClient]) -> None:
    """The leads `take_leads` took that no read used (a read that failed before it asked)."""
    unused = []
    for client in clients:
        unused += [(found, lead.token) for found, lead in client._leads.values() if lead.token is not None]
        client._leads.clear()
    read_cache.release_many(unused)


# Background refreshes in flight in this process, per store: one at a time, so that a
# store that hangs holds one of the process's background threads, not all of them.
_refreshing: set[int] = set()
_refreshing_guard = threading.Lock()


def _refresh_slot_take(store_id: int) -> bool:
    with _refreshing_guard:
        if store_id in _refreshing:
            return False
        _refreshing.add(store_id)
        return True


def _refresh_slot_give(store_id: int) -> None:
    with _refreshing_guard:
        _refreshing.discard(store_id)


def _refresh_read(store, path: str, params: dict | None) -> None:
    """A background refresh of one cached read (storeapi.background): asks the store
    unless a colleague's read of the same key is already under way."""
    try:
        _refresh_once(store, path, params)
    finally:
        _refresh_slot_give(store.pk)


def _refresh_once(store, path: str, params: dict | None) -> None:
    client = StoreClient.for_store(store)
    found = read_cache.lookup(store.pk, path, params)
    token = read_cache.try_lead(found, lease_seconds=client.wait_bound + sum(client.timeout) + 2)
    if token is None:
        return
    try:
        started = time.time()
        value = client._request("GET", path, params=params)
        read_cache.save(found, value, fetched_at=started)
    except StoreAPIError as error:
        logger.info("Refreshing %s of store %s failed: %r", path, store.subdomain, error)
    finally:
        read_cache.release(found, token)


__all__ = ["BULK", "INTERACTIVE", "Page", "StoreAPIError", "StoreClient", "required_scope"]
