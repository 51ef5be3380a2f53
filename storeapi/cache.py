"""The shared read cache: what a store said, kept in Redis for every operator and process.

A team on one store shares the store's 4 requests a second, so a read that a colleague
(or this operator a moment ago) already made is served from here instead of asking the
store again, until a webhook or a write says that something it depends on changed.

What a read depends on comes from its path (`read_dependencies`): a list (`orders/`)
depends on its resource's lists, an object (`orders/1042/`) and what hangs off it
(`orders/1042/notes/`) on that object. Each dependency has two version counters:
- `any`, bumped by every change: webhooks, bulk jobs' writes, operators' writes;
- `own`, bumped only by an operator's own write through Storedesk.

A cached answer remembers the versions read *before* the store was asked (so a webhook
that arrives while the request is under way makes it stale, never lost), and when the
store was asked. Reading it (`verdict`):
- an operator's write since → ask the store (their change shows at once);
- nothing changed → served; after STOREAPI_CACHE_FRESH_SECONDS also refreshed in the
  background (after UNANNOUNCED_FRESH_SECONDS for a store that sends Storedesk no
  webhooks: nothing would say it changed); after STOREAPI_CACHE_MAX_AGE_SECONDS asked
  afresh;
- a webhook or a bulk write since → still served while younger than
  STOREAPI_CACHE_COALESCE_SECONDS, and refreshed in the background (at most once per
  key per that interval); older → asked afresh. A store that changes several times a
  second thus costs one request per list per interval, not one per change.

Entries are kept STOREAPI_CACHE_KEEP_SECONDS so that a page can still show the last
answer, saying how old it is, when the store is busy or down.

One read in flight per key (`try_lead` / `follow`): the first to miss asks the store,
the others wait for its answer (or its error) a bounded time.

Keys carry the store's id. Values are pickled Python objects from our own Redis, like
Django's cache.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import pickle
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from .circuit import circuit_key
from .redis_client import shared_redis

# A change to an order also changes its customer's order count and total (the customers
# list) and its payments (the transactions list).
CHANGES_ALSO = {"orders": ("transactions", "users")}

# Lists of another resource that hang off an object (`users/5/orders/`).
_LISTED_UNDER_OBJECTS = frozenset({"orders", "tickets", "transactions"})

VERSION_TTL = 60 * 60 * 24
FLIGHT_ERROR_MS = 2000  # how long a failed read's error is kept for the readers that waited for it
OWN, ANY = "own", "any"


# --- what depends on what ---------------------------------------------------------------


def _segments(path: str) -> list[str]:
    parts = [s for s in path.split("?", 1)[0].strip("/").split("/") if s]
    if parts[:2] == ["products", "variants"]:  # a variant is an object of its own
        parts = parts[1:]
    return parts


# Lists filtered by the object they belong to (an order's tickets, a customer's
# tickets): parameter -> the field of a listed object that names that object. Such a
# list depends on its own version, which a change bumps only when the changed object
# belongs there: a ticket's change does not make every order's tickets panel stale.
PARENT_FILTERS = {"tickets": {"order_number": "order", "requester": "requester"}}

# Lists of a resource that the changes of its other objects do not touch: the store's
# own users (`users/?user_type=dashboard`, who tickets are assigned to) are not
# customers, so a new order or customer must not make them stale. No event announces a
# new store user: like ticket types, they are refreshed by age; a change to one of them
# (a webhook or a write showing `user_type: dashboard`) marks them too.
OWN_LISTS = {"users": ("user_type", "dashboard")}


def _scalar(value) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def read_dependencies(path: str, params: dict | None = None) -> list[str]:
    """What a GET of `path` shows: `list:<resource>` (or, filtered by a parent object,
    `list:<resource>:<field>:<value>`) and `obj:<resource>:<id>` names."""
    parts = _segments(path)
    if not parts:
        return []
    resource = parts[0]
    if len(parts) == 1:
        own_list = OWN_LISTS.get(resource)
        if own_list is not None and _scalar((params or {}).get(own_list[0])) == own_list[1]:
            return [f"list:{resource}:{own_list[0]}:{own_list[1]}"]
        for param, field in PARENT_FILTERS.get(resource, {}).items():
            value = _scalar((params or {}).get(param))
            if value is not None:
                return [f"list:{resource}:{field}:{value}"]
        return [f"list:{resource}"]
    deps = [f"obj:{resource}:{parts[1]}"]
    if len(parts) > 2 and parts[2] in _LISTED_UNDER_OBJECTS:  # users/5/orders/: any order's change too
        deps.append(f"list:{parts[2]}")
    return deps


def change_dependencies(resource: str, object_id=None, value: dict | None = None) -> list[str]:
    """What a change to `resource` (and, when known, to one object of it, as `value`
    shows it) makes stale."""
    deps = [f"list:{resource}"] + [f"list:{other}" for other in CHANGES_ALSO.get(resource, ())]
    if object_id is not None and str(object_id):
        deps.append(f"obj:{resource}:{object_id}")
    for field in PARENT_FILTERS.get(resource, {}).values():
        parent = _scalar(value.get(field)) if isinstance(value, dict) else None
        if parent is not None:
            deps.append(f"list:{resource}:{field}:{parent}")
    own_list = OWN_LISTS.get(resource)
    if own_list is not None and isinstance(value, dict) and value.get(own_list[0]) == own_list[1]:
        deps.append(f"list:{resource}:{own_list[0]}:{own_list[1]}")
    return deps


def write_dependencies(path: str, value=None) -> list[str]:
    """What a write to `path` makes stale. `value`: the object as the store answered
    the write, or as it was cached before (for the lists of its parents)."""
    parts = _segments(path)
    if not parts:
        return []
    return change_dependencies(parts[0], parts[1] if len(parts) > 1 else None, value)


# --- versions ---------------------------------------------------------------------------


def _version_key(store_id: int, dependency: str, kind: str) -> str:
    return f"storeapi:ver:{store_id}:{dependency}:{kind}"


def changed(store_id: int, dependencies: list[str], *, own: bool) -> None:
    """Something these dependencies cover changed at the store (`own`: an operator's
    write through Storedesk, which every next view must show)."""
    if not dependencies:
        return
    _forget_looked_ahead()
    pipe = shared_redis().pipeline(transaction=False)
    for dependency in dependencies:
        for kind in (ANY, OWN) if own else (ANY,):
            key = _version_key(store_id, dependency, kind)
            pipe.incr(key)
            pipe.expire(key, VERSION_TTL)
    pipe.execute()


def lists_changed(store_id: int, resource: str, *, own: bool = False) -> None:
    """Something in `resource` ("orders", "tickets", "users") changed in the store."""
    changed(store_id, change_dependencies(resource), own=own)


def invalidate(store_id: int, resource: str, object_id, *, own: bool = True) -> None:
    """One object changed (and with it the lists it is in)."""
    changed(store_id, change_dependencies(resource, object_id), own=own)


def list_version(store_id: int, resource: str) -> int:
    """The version of a resource's lists, for figures cached by their own key (the
    overview's counts): it moves with every change."""
    return int(shared_redis().get(_version_key(store_id, f"list:{resource}", ANY)) or 0)


# --- entries ----------------------------------------------------------------------------


ENTRY_FORMAT = 2  # the layout of a kept answer (`Entry.dumps`); an older one reads as a miss


@dataclass(frozen=True)
class Entry:
    """A kept answer. Its value is unpickled when first used: a page that finds its list
    changed asks the store anyway and never pays for unpickling the old answer (an
    all-stores page, three of them)."""

    pickled: bytes  # the value, pickled
    fetched_at: float  # epoch seconds: when the store was asked
    seen: tuple[int, ...]  # the `any` versions read before asking
    own: tuple[int, ...]  # the `own` versions read before asking

    @classmethod
    def of(cls, value, *, fetched_at: float, seen: tuple[int, ...], own: tuple[int, ...]) -> Entry:
        entry = cls(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), fetched_at, seen, own)
        entry.__dict__["value"] = value  # already at hand: not unpickled again
        return entry

    @cached_property
    def value(self) -> Any:
        return pickle.loads(self.pickled)  # noqa: S301 (our own Redis, our own objects)

    def dumps(self) -> bytes:
        layout = (ENTRY_FORMAT, self.fetched_at, self.seen, self.own, self.pickled)
        return pickle.dumps(layout, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, raw: bytes) -> Entry | None:
        try:
            form, fetched_at, seen, own, pickled = pickle.loads(raw)  # noqa: S301 (as above)
        except Exception:  # an entry from an older release: a miss
            return None
        if form != ENTRY_FORMAT:
            return None
        return cls(pickled, fetched_at, seen, own)

    def behind(self, *, seen: tuple[int, ...], own: tuple[int, ...]) -> bool:
        return any(a < b for a, b in zip(self.seen, seen, strict=True)) or any(
            a < b for a, b in zip(self.own, own, strict=True)
        )


@dataclass(frozen=True)
class Lookup:
    store_id: int
    path: str
    key: str
    seen: tuple[int, ...]
    own: tuple[int, ...]
    entry: Entry | None

    def entry_is_current(self, entry: Entry | None) -> bool:
        return entry is not None and not entry.behind(seen=self.seen, own=self.own)


@dataclass(frozen=True)
class Verdict:
    serve: bool  # the entry may be shown
    refresh: bool  # and should be refreshed in the background


MISS = Verdict(serve=False, refresh=False)
HIT = Verdict(serve=True, refresh=False)
HIT_REFRESH = Verdict(serve=True, refresh=True)
REFRESH_MIN_AGE = 1.0  # Refresh pressed on an answer younger than this serves it
UNANNOUNCED_FRESH_SECONDS = 10.0  # a store without Storedesk's webhook: nothing announces its changes


def _normalise(params: dict | None) -> dict:
    normal = {}
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            normal[str(name)] = sorted(str(v) for v in value)
        else:
            normal[str(name)] = str(value)
    return normal


def entry_key(store_id: int, path: str, params: dict | None) -> str:
    fingerprint = hashlib.sha256(json.dumps([path, _normalise(params)], sort_keys=True).encode()).hexdigest()[:32]
    return f"storeapi:read:{store_id}:{fingerprint}"


def lookup(store_id: int, path: str, params: dict | None) -> Lookup:
    """The dependencies' versions now, and the cached answer: one round trip to Redis."""
    return lookup_many([(store_id, path, params)])[0]


def lookup_many(reads: list[tuple[int, str, dict | None]]) -> list[Lookup]:
    """`lookup` of several reads (an all-stores page: one per store) in one round trip."""
    return _looked_up([_read_plan(store_id, path, params) for store_id, path, params in reads])


def _read_plan(store_id: int, path: str, params: dict | None) -> _Plan:
    dependencies = read_dependencies(path, params)
    count = len(dependencies)
    key = entry_key(store_id, path, params)

    def build(values: list) -> Lookup:
        versions = [int(v or 0) for v in values[: 2 * count]]
        return Lookup(store_id, path, key, tuple(versions[:count]), tuple(versions[count:]), _entry(values[-1], count))

    return _Plan(key, [_version_key(store_id, d, kind) for kind in (ANY, OWN) for d in dependencies] + [key], build)


# --- one round trip for a page's lookups ------------------------------------------------------
#
# A page that knows which reads and figures it will look up next (the inbox: its tab counts,
# the store's ticket types and users) says so first (`look_ahead`); the next lookup that
# asks Redis asks for those too, in the same round trip, and each of them then takes its
# lookup from there, once. Kept per request (storeapi.middleware opens the scope) and
# shared with the request's threads; forgotten at any change of versions (`changed`), so
# that a page never judges what it wrote by what it looked up before.


@dataclass(frozen=True)
class _Plan:
    key: str  # the entry's or figure's key: what the lookup is remembered by
    keys: list[str]  # what to read from Redis, the entry's or figure's own key last
    build: Callable[[list], Any]  # values of `keys` -> the Lookup or FigureLookup


@dataclass
class _Ahead:
    wanted: dict[str, _Plan] = dataclass_field(default_factory=dict)
    found: dict[str, Any] = dataclass_field(default_factory=dict)
    lock: threading.Lock = dataclass_field(default_factory=threading.Lock)


_ahead: contextvars.ContextVar[_Ahead | None] = contextvars.ContextVar("storeapi_look_ahead", default=None)


@contextmanager
def look_ahead_scope() -> Iterator[None]:
    token = _ahead.set(_Ahead())
    try:
        yield
    finally:
        _ahead.reset(token)


def look_ahead(
    *, reads: Sequence[tuple[int, str, dict | None]] = (), figures: Sequence[tuple[int, str, tuple[str, ...]]] = ()
) -> None:
    """This request will look up these reads (`lookup`) and figures (`figure_lookup`)
    soon: the next lookup that asks Redis reads them as well. Outside a request, nothing."""
    ahead = _ahead.get()
    if ahead is None:
        return
    plans = [_read_plan(*read) for read in reads] + [_figure_plan(*figure) for figure in figures]
    with ahead.lock:
        ahead.wanted.update((plan.key, plan) for plan in plans if plan.key not in ahead.found)


def _looked_up(plans: list[_Plan]) -> list:
    """Each plan's lookup: from what was looked up ahead, or from Redis, in one round trip
    with whatever the request said it would look up next."""
    ahead = _ahead.get()
    results: list = [None] * len(plans)
    asked: list[tuple[int | None, _Plan]] = []
    if ahead is None:
        asked = list(enumerate(plans))
    else:
        with ahead.lock:
            for index, plan in enumerate(plans):
                ahead.wanted.pop(plan.key, None)
                if plan.key in ahead.found:
                    results[index] = ahead.found.pop(plan.key)
                else:
                    asked.append((index, plan))
            if asked:
                asked += [(None, plan) for plan in ahead.wanted.values()]
                ahead.wanted.clear()
    if not asked:
        return results
    values = shared_redis().mget([key for _, plan in asked for key in plan.keys])
    start = 0
    later = {}
    for index, plan in asked:
        found = plan.build(values[start : start + len(plan.keys)])
        start += len(plan.keys)
        if index is None:
            later[plan.key] = found
        else:
            results[index] = found
    if later:
        with ahead.lock:
            ahead.found.update(later)
    return results


def _forget_looked_ahead() -> None:
    ahead = _ahead.get()
    if ahead is not None:
        with ahead.lock:
            ahead.found.clear()


def _entry(raw, dependencies: int) -> Entry | None:
    if raw is None:
        return None
    entry = Entry.loads(raw)
    return entry if entry is not None and len(entry.seen) == dependencies else None


def verdict(found: Lookup, *, now: float, wants_fresh: bool = False, announced: bool = True) -> Verdict:
    """Whether the cached answer may be shown, and refreshed in the background.
    `announced`: the store sends Storedesk webhooks, which mark what changes."""
    entry = found.entry
    if entry is None:
        return MISS
    age = now - entry.fetched_at
    if wants_fresh and age > REFRESH_MIN_AGE:
        return MISS
    if any(a < b for a, b in zip(entry.own, found.own, strict=True)):
        return MISS  # an operator changed it through Storedesk: show their change now
    if not entry.behind(seen=found.seen, own=found.own):
        fresh = settings.STOREAPI_CACHE_FRESH_SECONDS
        if not announced:
            fresh = min(fresh, UNANNOUNCED_FRESH_SECONDS)
        if age <= fresh:
            return HIT
        if age <= settings.STOREAPI_CACHE_MAX_AGE_SECONDS:
            return HIT_REFRESH
        return MISS
    if age <= settings.STOREAPI_CACHE_COALESCE_SECONDS:
        return HIT_REFRESH
    return MISS


def save(found: Lookup, value, *, fetched_at: float, release_token: str | None = None) -> Entry:
    """Keep `value` as the answer for the key, under the versions read before asking.
    With `release_token`, also give up the lead on the key (`try_lead`), in the same
    round trip to Redis."""
    entry = Entry.of(value, fetched_at=fetched_at, seen=found.seen, own=found.own)
    pipe = shared_redis().pipeline(transaction=False)
    pipe.set(found.key, entry.dumps(), ex=_keep_seconds())
    # When the answer was fetched, beside it: a reader waiting for a colleague's read
    # looks at this (a few bytes) rather than at the answer (a whole page, unpickled).
    pipe.set(f"{found.key}:at", repr(fetched_at), ex=_keep_seconds())
    if release_token is not None:
        _queue_release(pipe, found, release_token)
    pipe.execute()
    return entry


_NEVER = datetime.min.replace(tzinfo=UTC)


def _updated_at(value) -> datetime:
    """When an object last changed, as the platform says (`updated_at`, or
    `date_updated` on some resources); the earliest moment when it does not say."""
    if not isinstance(value, dict):
        return _NEVER
    moment = parse_datetime(str(value.get("updated_at") or value.get("date_updated") or ""))
    if moment is None:
        return _NEVER
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def keep_newer(store_id: int, path: str, value: dict) -> bool:
    """Keep `value` (an object the store sent, e.g. in a webhook) as the current answer
    for `path`, unless the answer cached there is newer or `value` does not say when it
    changed. Call it after `changed`: the answer is kept under the versions as they are
    now."""
    changed_at = _updated_at(value)
    if changed_at == _NEVER:
        return False  # no way to tell a late delivery from a new one: the next view asks
    found = lookup(store_id, path, None)
    if found.entry is not None and _updated_at(found.entry.value) > changed_at:
        return False
    save(found, value, fetched_at=time.time())
    return True


def cached_object(store_id: int, path: str) -> dict | None:
    """The cached answer of the object a path is about (`tickets/31/comments/` is about
    `tickets/31/`), whatever its versions, or None."""
    parts = _segments(path)
    if len(parts) < 2:
        return None
    prefix = "products/variants" if parts[0] == "variants" else parts[0]
    entry = lookup(store_id, f"{prefix}/{parts[1]}/", None).entry
    return entry.value if entry is not None and isinstance(entry.value, dict) else None


def current(found: Lookup) -> Entry | None:
    return _entry(shared_redis().get(found.key), len(found.seen))


def _keep_seconds() -> int:
    return max(int(settings.STOREAPI_CACHE_KEEP_SECONDS), int(settings.STOREAPI_CACHE_MAX_AGE_SECONDS) + 1)


# --- one read in flight per key -----------------------------------------------------------

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def try_lead(found: Lookup, *, lease_seconds: float) -> str | None:
    """Become the one reader that asks the store for this key: a token to `release`
    with, or None while another reader is at it."""
    token = uuid.uuid4().hex
    if shared_redis().set(f"{found.key}:flight", token, nx=True, px=_lease_ms(lease_seconds)):
        return token
    return None


@dataclass(frozen=True)
class Lead:
    """What `try_lead_or_follow` found: the lead (a token) or not, and what other readers
    of the key left meanwhile (their answer, or the error their read ended in)."""

    token: str | None
    entry: Entry | None
    error: Exception | None
    circuit_open: bool  # the store is marked down (storeapi.circuit): a page view does not ask


def try_lead_or_follow(found: Lookup, *, lease_seconds: float, since: float, newer_than: float) -> Lead:
    """`try_lead`, and what other readers of the key left since this reader began to ask
    (`since`): an answer fetched after `newer_than` (then a second round trip reads it),
    or the error their read ended in; and whether the store is marked down, which the
    leader would ask next. The reads come after the attempt to lead, so a leader sees
    whatever another reader kept between this reader's look (`found`) and its lead."""
    return try_lead_or_follow_many([(found, lease_seconds, since, newer_than)])[0]


def try_lead_or_follow_many(reads: list[tuple[Lookup, float, float, float]]) -> list[Lead]:
    """`try_lead_or_follow` of several reads, each `(found, lease_seconds, since,
    newer_than)`, in one round trip (an all-stores page about to ask its stores)."""
    pipe = shared_redis().pipeline(transaction=False)
    tokens = []
    for found, lease_seconds, _since, _newer_than in reads:
        tokens.append(uuid.uuid4().hex)
        pipe.set(f"{found.key}:flight", tokens[-1], nx=True, px=_lease_ms(lease_seconds))
        pipe.get(f"{found.key}:at")
        pipe.get(f"{found.key}:error")
        pipe.exists(circuit_key(str(found.store_id)))
    answers = pipe.execute()
    leads = []
    for index, (found, _lease, since, newer_than) in enumerate(reads):
        led, raw_at, raw_error, marked_down = answers[4 * index : 4 * index + 4]
        entry = None
        if raw_at is not None and _seconds(raw_at) > newer_than:
            entry = current(found)
        leads.append(
            Lead(
                token=tokens[index] if led else None,
                entry=entry,
                error=_error_since(raw_error, since=since),
                circuit_open=bool(marked_down),
            )
        )
    return leads


def _seconds(raw) -> float:
    try:
        return float(raw)
    except ValueError:
        return float("-inf")


def _lease_ms(lease_seconds: float) -> int:
    return max(1, int(lease_seconds * 1000))


def release(found: Lookup, token: str) -> None:
    shared_redis().eval(_RELEASE, 1, f"{found.key}:flight", token)


def release_many(leads: list[tuple[Lookup, str]]) -> None:
    if not leads:
        return
    pipe = shared_redis().pipeline(transaction=False)
    for found, token in leads:
        _queue_release(pipe, found, token)
    pipe.execute()


def _queue_release(pipe, found: Lookup, token: str) -> None:
    pipe.eval(_RELEASE, 1, f"{found.key}:flight", token)


def share_error(found: Lookup, error: Exception, *, release_token: str | None = None) -> None:
    """The store refused or failed this read: the readers that were waiting for it when
    it failed get the same; a reader that comes later (a Retry) asks again. With
    `release_token`, also give up the lead, in the same round trip."""
    payload = pickle.dumps((time.time(), error), protocol=pickle.HIGHEST_PROTOCOL)
    pipe = shared_redis().pipeline(transaction=False)
    pipe.set(f"{found.key}:error", payload, px=FLIGHT_ERROR_MS)
    if release_token is not None:
        _queue_release(pipe, found, release_token)
    pipe.execute()


def _error_since(raw, *, since: float) -> Exception | None:
    """The error a read of this key shared (`raw`), if it failed after `since` (when
    this reader began to ask)."""
    if raw is None:
        return None
    try:
        failed_at, error = pickle.loads(raw)  # noqa: S301 (our own Redis, our own objects)
    except Exception:
        return None
    return error if failed_at >= since else None


def claim_refresh(found: Lookup) -> bool:
    """At most one background refresh per key per STOREAPI_CACHE_COALESCE_SECONDS."""
    interval_ms = max(100, int(settings.STOREAPI_CACHE_COALESCE_SECONDS * 1000))
    return bool(shared_redis().set(f"{found.key}:refreshing", 1, nx=True, px=interval_ms))


# --- figures computed from lists ----------------------------------------------------------

FIGURE_MAX_AGE = 300  # seconds a figure is trusted while nothing changed
FIGURE_REFRESH_SECONDS = 30  # at most one recount of a figure this often, in all processes


@dataclass(frozen=True)
class Figure:
    value: Any
    computed_at: float
    seen: tuple[int, ...]  # the lists' `any` versions when counted
    own: tuple[int, ...]  # and their `own` versions


def _figure_key(store_id: int, name: str) -> str:
    return f"storeapi:figure:{store_id}:{name}"


@dataclass(frozen=True)
class FigureLookup:
    store_id: int
    name: str
    seen: tuple[int, ...]
    own: tuple[int, ...]
    figure: Figure | None


def figure_lookup(store_id: int, name: str, resources: tuple[str, ...]) -> FigureLookup:
    """A figure computed from the store's lists, and the lists' versions now."""
    return _looked_up([_figure_plan(store_id, name, resources)])[0]


def _figure_plan(store_id: int, name: str, resources: tuple[str, ...]) -> _Plan:
    count = len(resources)

    def build(values: list) -> FigureLookup:
        versions = tuple(int(v or 0) for v in values[:-1])
        figure = None
        if values[-1] is not None:
            try:
                figure = pickle.loads(values[-1])  # noqa: S301 (our own Redis, our own objects)
            except Exception:
                figure = None
            if not isinstance(figure, Figure) or len(figure.seen) != count:
                figure = None
        return FigureLookup(store_id, name, versions[:count], versions[count:], figure)

    names = [_version_key(store_id, f"list:{r}", kind) for kind in (ANY, OWN) for r in resources]
    return _Plan(_figure_key(store_id, name), [*names, _figure_key(store_id, name)], build)


def figure_verdict(found: FigureLookup, *, now: float) -> Verdict:
    """An operator's write since → count now. Otherwise a figure that exists is shown
    (saying how old it is) and, when its lists changed or it is old, recounted in the
    background: counts walk several pages, and "12 open" a few seconds late misleads
    nobody while the list itself is current."""
    figure = found.figure
    if figure is None or any(a < b for a, b in zip(figure.own, found.own, strict=True)):
        return MISS
    if figure.seen == found.seen and now - figure.computed_at <= FIGURE_MAX_AGE:
        return HIT
    return HIT_REFRESH


def figure_save(found: FigureLookup, value, *, computed_at: float) -> None:
    figure = Figure(value=value, computed_at=computed_at, seen=found.seen, own=found.own)
    payload = pickle.dumps(figure, protocol=pickle.HIGHEST_PROTOCOL)
    shared_redis().set(_figure_key(found.store_id, found.name), payload, ex=3600)


def figure_claim_refresh(found: FigureLookup) -> bool:
    key = f"{_figure_key(found.store_id, found.name)}:refreshing"
    return bool(shared_redis().set(key, 1, nx=True, ex=FIGURE_REFRESH_SECONDS))
