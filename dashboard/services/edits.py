"""Edits of store objects made by a team at once, without lost updates.

Two operators and the store itself change the same ticket at the same time. The rule
for every form that edits several fields of one store object:

1. Only what the operator changed is sent: the fields whose value differs from what
   the form was drawn with (`dashboard.forms.drawn`), never the whole form.
2. Before sending, the object is read fresh from the store (not from the shared cache,
   which may be seconds behind). If its `updated_at` moved since the form was drawn,
   each field is compared: a field the operator changed that was also changed meanwhile
   to another value is a conflict, and nothing is sent; the operator sees what changed
   (the value when the form was drawn, the value now, theirs) and can apply theirs again
   with one click. Fields changed meanwhile that the operator did not touch are kept as
   they are now (the PATCH does not name them), and the operator is told about them.
3. The read, the comparison and the PATCH of one object run one at a time across
   Storedesk's processes (`edit_lock`), so two operators saving together are compared
   one after the other. The platform has no conditional PATCH (no ETag, no
   If-Unmodified-Since), so a change made at the store in the few milliseconds between
   the fresh read and the PATCH can still meet ours; only fields the operator changed
   are sent, so at worst that one field is decided by whichever came last.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from redis.exceptions import LockError

from storeapi.errors import StoreBusy
from storeapi.redis_client import shared_redis

# How long one read-compare-write may hold an object (it is two store requests, each
# bounded by the page's wait), and how long a second operator waits for it.
EDIT_LOCK_SECONDS = 30
EDIT_WAIT_SECONDS = 10


@dataclass(frozen=True)
class FieldChange:
    field: str
    drawn: object  # the value when the operator's form was drawn
    now: object  # the value at the store now


@dataclass
class Merge:
    send: dict = field(default_factory=dict)  # what to PATCH: the operator's changes the store lacks
    meanwhile: list[FieldChange] = field(default_factory=list)  # changed by someone else since drawn
    conflicts: list[str] = field(default_factory=list)  # the operator's fields changed meanwhile to another value


def equal(name: str, a, b) -> bool:
    return a == b


# `drawn` below is the object as the operator's form showed it: the fields it edits and
# the object's `updated_at` (dashboard/forms/drawn.py carries it in the form).


def changed_fields(*, drawn: dict, values: dict, fields: tuple[str, ...], same: Callable = equal) -> dict:
    """The operator's changes: the fields of `values` that differ from the form as drawn."""
    return {name: values[name] for name in fields if name in values and not same(name, values[name], drawn.get(name))}


def merge(*, drawn: dict, now: dict, mine: dict, fields: tuple[str, ...], same: Callable = equal) -> Merge:
    """Compare the operator's changes (`mine`) with the object as drawn and as it is now."""
    result = Merge()
    then, version = drawn.get("updated_at"), now.get("updated_at")
    moved = not isinstance(then, str) or not isinstance(version, str) or version != then
    changed_there = set()
    if moved:
        changed_there = {name for name in fields if not same(name, drawn.get(name), now.get(name))}
    # Changed meanwhile to exactly the operator's value (a colleague made the same change,
    # or the operator's own previous request got through while the browser replaced it
    # with this one) is neither a conflict nor news to them.
    already = {name for name in mine if same(name, mine[name], now.get(name))}
    result.meanwhile = [
        FieldChange(name, drawn.get(name), now.get(name))
        for name in fields
        if name in changed_there and name not in already
    ]
    result.conflicts = [name for name in mine if name in changed_there and name not in already]
    if not result.conflicts:
        result.send = {name: value for name, value in mine.items() if name not in already}
    return result


@contextlib.contextmanager
def edit_lock(store, path: str) -> Iterator[None]:
    """One read-compare-write of the object at `path` at a time, across processes."""
    lock = shared_redis().lock(
        f"dashboard:edit:{store.pk}:{path}", timeout=EDIT_LOCK_SECONDS, blocking_timeout=EDIT_WAIT_SECONDS
    )
    if not lock.acquire():
        raise StoreBusy("A colleague's change of the same object is still being saved.", retry_after=1.0)
    try:
        yield
    finally:
        with contextlib.suppress(LockError):  # it expired meanwhile: nothing to release
            lock.release()
