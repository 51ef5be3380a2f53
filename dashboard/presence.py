"""Who has a ticket open, and who is typing a reply on it: shared by every process (Redis).

A ticket's page asks every few seconds (htmx, `ticket_presence_view`), which marks the
operator present on it for TICKET_PRESENCE_SECONDS; typing in the reply box marks them
typing for TICKET_TYPING_SECONDS. One Redis hash per store and ticket holds everyone on
it: field the operator's id, value `{"name", "since", "at", "typing"}` (milliseconds, on
Redis's clock so that web machines with skewed clocks agree). The hash lives as long as
its latest visitor's mark; a visitor who left without saying so (a closed laptop) is
dropped from it by the next one to ask, and ignored by readers meanwhile.

Presence only decorates a page: while Redis does not answer, nobody is shown as present.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings

from storeapi.events import NOTHING_NEW, new_counts_from, new_counts_queue
from storeapi.redis_client import REDIS_UNAVAILABLE, shared_redis

logger = logging.getLogger(__name__)

# KEYS: 1 the ticket's hash. ARGV: 1 operator id, 2 their name, 3 presence lifetime (ms),
# 4 "1" when they are typing now, "0" when they stopped (sent it), "" no news. Marks them,
# drops whoever's mark has run out, keeps the hash as long as the newest mark, and answers
# {now (ms), the hash's fields and values}.
_TOUCH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local entry = {name = ARGV[2], since = now, at = now, typing = 0}
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local ok, prev = pcall(cjson.decode, old)
  if ok and type(prev) == 'table' and (tonumber(prev.at) or 0) >= now - ttl then
    entry.since = tonumber(prev.since) or now
    entry.typing = tonumber(prev.typing) or 0
  end
end
if ARGV[4] == '1' then entry.typing = now elseif ARGV[4] == '0' then entry.typing = 0 end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, e = pcall(cjson.decode, all[i + 1])
  if not ok or type(e) ~= 'table' or (tonumber(e.at) or 0) < now - ttl then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
redis.call('PEXPIRE', KEYS[1], ttl)
return {now, redis.call('HGETALL', KEYS[1])}
"""


@dataclass(frozen=True)
class Presence:
    """Another operator on a ticket."""

    operator_id: int
    name: str
    since_ms: int
    typing: bool


def _key(store_id: int, ticket_id) -> str:
    return f"dashboard:ticket-presence:{store_id}:{ticket_id}"


def _lifetime_ms() -> int:
    return max(1, int(settings.TICKET_PRESENCE_SECONDS * 1000))


def _others(fields: dict, *, now_ms: int, excluding: int | None) -> list[Presence]:
    """The marks of a ticket's hash that are still alive, but the asking operator's,
    the earliest arrival first."""
    alive_after = now_ms - _lifetime_ms()
    typing_after = now_ms - int(settings.TICKET_TYPING_SECONDS * 1000)
    others = []
    for raw_id, raw in fields.items():
        try:
            operator_id = int(raw_id)
            entry = json.loads(raw)
            at, since, typing = int(entry["at"]), int(entry["since"]), int(entry.get("typing") or 0)
        except (ValueError, TypeError, KeyError):
            continue  # not a mark of ours: ignored (and dropped by the next touch)
        if operator_id == excluding or at < alive_after:
            continue
        name = str(entry.get("name") or "") or f"Operator #{operator_id}"
        others.append(Presence(operator_id, name, since, typing > 0 and typing >= typing_after))
    return sorted(others, key=lambda p: (p.since_ms, p.operator_id))


def ticket_presence_touch(*, store_id: int, ticket_id: int, operator, typing: bool | None = None) -> list[Presence]:
    """Mark `operator` as on the ticket, in one round trip, and answer who else is on it.
    `typing`: True when they are typing now, False when they stopped (their reply went),
    None when nothing changed (they still show as typing for a while after a key)."""
    name = operator.get_full_name() or operator.email
    try:
        now_ms, flat = shared_redis().eval(
            _TOUCH,
            1,
            _key(store_id, ticket_id),
            operator.pk,
            name[:120],
            _lifetime_ms(),
            {True: "1", False: "0", None: ""}[typing],
        )
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Presence on ticket %s not recorded: Redis did not answer (%s)", ticket_id, exc)
        return []
    fields = dict(zip(flat[::2], flat[1::2], strict=True))
    return _others(fields, now_ms=int(now_ms), excluding=operator.pk)


def ticket_presence_leave(*, store_id: int, ticket_id: int, operator_id: int) -> None:
    """The operator left the ticket's page: nobody need wait for their mark to run out."""
    try:
        shared_redis().hdel(_key(store_id, ticket_id), operator_id)
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Presence on ticket %s not dropped: Redis did not answer (%s)", ticket_id, exc)


def tickets_presence(tickets: list[tuple[int, object]], *, excluding: int | None) -> dict[tuple[int, str], list]:
    """Who else is on each of these tickets, `(store id, ticket id)` pairs, read in one
    round trip (for a page of the inbox): `{(store id, "ticket id"): [Presence]}`, only
    tickets someone else is on."""
    if not tickets:
        return {}
    read_many = shared_redis().register_script(_READ_MANY)  # EVALSHA, loaded once by Redis
    try:
        answer = read_many(keys=_keys(tickets))
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Presence on the inbox not read: Redis did not answer (%s)", exc)
        return {}
    return _presence_from(answer, tickets, excluding=excluding)


def tickets_presence_and_new_counts(
    store, tickets: list[tuple[int, object]], *, excluding: int | None, seen: str | None
) -> tuple[dict[str, int], dict[tuple[int, str], list]]:
    """`storeapi.events.new_counts(store, seen=seen)` and `tickets_presence(tickets)`
    in one round trip to Redis: the inbox's full page shows both."""
    try:
        pipe = shared_redis().pipeline(transaction=False)
        new_counts_queue(pipe, store, seen=seen)
        if tickets:
            # EVAL, not EVALSHA: a pipeline would first ask whether the script is loaded,
            # in a round trip of its own. Redis caches the script it is sent.
            keys = _keys(tickets)
            pipe.eval(_READ_MANY, len(keys), *keys)
        answers = pipe.execute()
    except REDIS_UNAVAILABLE as exc:
        logger.warning("New counts and presence of store %s not read: Redis did not answer (%s)", store.pk, exc)
        return NOTHING_NEW.copy(), {}
    if not tickets:
        return new_counts_from(answers[-1]), {}
    return new_counts_from(answers[-2]), _presence_from(answers[-1], tickets, excluding=excluding)


def _keys(tickets: list[tuple[int, object]]) -> list[str]:
    return [_key(store_id, ticket_id) for store_id, ticket_id in tickets]


def _presence_from(answer, tickets: list[tuple[int, object]], *, excluding: int | None) -> dict:
    now_ms, *found_flat = answer
    found = {}
    for index, flat in zip(found_flat[::2], found_flat[1::2], strict=True):
        store_id, ticket_id = tickets[int(index) - 1]
        others = _others(dict(zip(flat[::2], flat[1::2], strict=True)), now_ms=int(now_ms), excluding=excluding)
        if others:
            found[(store_id, str(ticket_id))] = others
    return found


# KEYS: the tickets' hashes. Answers Redis's time (ms), then for each hash that holds
# anyone its position in KEYS (from 1) and its fields and values: a page of the inbox
# reads every ticket's hash in one call, and is sent back only those someone is on.
_READ_MANY = """
local t = redis.call('TIME')
local answer = {tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
for i, key in ipairs(KEYS) do
  local fields = redis.call('HGETALL', key)
  if #fields > 0 then
    answer[#answer + 1] = i
    answer[#answer + 1] = fields
  end
end
return answer
"""
