"""The Views menu's cache: each operator's visible saved views, kept in Redis so that a
page reads them in one round trip instead of building and running their query (about
1.5 ms of CPU on every page, most of it Django building the query).

One generation for everyone (`GENERATION_KEY`), replaced after every committed change that
can alter what anyone's menu or views bar shows: a saved view saved or deleted (name,
share, order), a membership added, changed or removed (who sees whose views), a store's
subdomain, name or status changed (the menu shows its name; its status decides a count),
an operator's name or e-mail changed (a colleague's view shows its owner). An operator's
entry is used only while the generation it was stored under is the current one.

The generation is a random token rather than a counter: a counter that Redis lost (evicted,
or restarted empty) starts again at a number old entries may carry; a token never repeats.

A change that Redis missed (it did not answer) leaves entries stale until the next change
or until they expire (`ENTRY_TTL`). While Redis does not answer, pages query the database
as before the cache.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import zlib

import django
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from storeapi.models import Membership, Store
from storeapi.redis_client import REDIS_UNAVAILABLE, shared_redis

from .models import SavedView

logger = logging.getLogger(__name__)

GENERATION_KEY = "storedesk:saved-views:gen"
ENTRY_TTL = 60 * 60 * 24  # a change Redis missed shows within a day at worst

# What the menu, the views bar and the Views page read of a view: all its own fields, and
# of its store and owner only these (never a store's encrypted tokens, nor an operator's
# password hash: what is loaded is what is pickled into Redis).
VIEW_FIELDS = tuple(field.name for field in SavedView._meta.concrete_fields)
SHOWN_RELATED_FIELDS = ("store__subdomain", "store__name", "store__status", "owner__name", "owner__email")

# Entries are pickled model instances: a process of another Django version, or loading
# other fields, reads other keys (a deploy that changes either needs no flush).
_SHAPE = zlib.crc32(repr((django.VERSION, VIEW_FIELDS, SHOWN_RELATED_FIELDS)).encode())

# Changes that cannot alter a menu (a token refresh, a sign-in's last_login) do not
# replace the generation: they would empty every operator's entry for nothing.
_STORE_FIELDS_SHOWN = {"subdomain", "name", "status"}
_OPERATOR_FIELDS_SHOWN = {"name", "email"}


def _entry_key(operator_id: int) -> str:
    return f"storedesk:saved-views:op:{operator_id}:{_SHAPE}"


# --- reading ------------------------------------------------------------------------------


def views_cached(*, operator, load) -> list[SavedView]:
    """The operator's visible views as last stored under the current generation, or
    `load()` (stored for the next page). `load` must read the database only after this
    has read the generation (the operator's memberships included), so that a change
    committed meanwhile is never stored as current."""
    redis = shared_redis()
    key = _entry_key(operator.pk)
    try:
        generation, entry = redis.mget(GENERATION_KEY, key)
        if generation is None:
            generation = _generation_start(redis)
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Saved views of operator %s read from the database: Redis did not answer (%s)", operator.pk, exc)
        return load()
    if entry is not None:
        # Only Storedesk writes this Redis (Django's cache, in it too, pickles as well).
        stored_generation, views = pickle.loads(entry)  # noqa: S301
        if stored_generation == generation:
            return views
    views = load()
    try:
        redis.set(key, pickle.dumps((generation, views)), ex=ENTRY_TTL)
    except REDIS_UNAVAILABLE as exc:
        logger.warning("Saved views of operator %s not cached: Redis did not answer (%s)", operator.pk, exc)
    return views


def _generation_start(redis) -> bytes:
    """A generation where there is none (Redis restarted empty, or was flushed): a new
    token, unless another process has just set one."""
    redis.set(GENERATION_KEY, secrets.token_hex(8), nx=True)
    return redis.get(GENERATION_KEY)


# --- invalidating -------------------------------------------------------------------------


def saved_views_changed() -> None:
    """Every operator's entry is out of date once the current transaction commits (at
    once outside one). Not before the commit: a page reading in between would store the
    old rows under the new generation."""
    transaction.on_commit(_generation_replace)


def _generation_replace() -> None:
    try:
        shared_redis().set(GENERATION_KEY, secrets.token_hex(8))
    except REDIS_UNAVAILABLE as exc:
        # The change is saved; the menus show it when their entries expire (ENTRY_TTL).
        logger.warning("Saved views' cache not invalidated: Redis did not answer (%s)", exc)


def _shows(update_fields, shown: set[str]) -> bool:
    return update_fields is None or not shown.isdisjoint(update_fields)


@receiver([post_save, post_delete], sender=SavedView)
@receiver([post_save, post_delete], sender=Membership)
def _view_or_membership_changed(sender, **kwargs):
    saved_views_changed()


@receiver(post_save, sender=Store)
def _store_saved(sender, *, update_fields=None, **kwargs):
    if _shows(update_fields, _STORE_FIELDS_SHOWN):
        saved_views_changed()


@receiver(post_save, sender=get_user_model())
def _operator_saved(sender, *, update_fields=None, **kwargs):
    if _shows(update_fields, _OPERATOR_FIELDS_SHOWN):
        saved_views_changed()
