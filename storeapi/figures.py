"""Figures computed from a store's lists (ticket counts by status, orders per day),
shared by the whole team: each costs several requests, so it is counted once for
everyone and recounted in the background when its lists change (storeapi.cache).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from . import cache as read_cache
from .background import run_soon
from .freshness import record_read, wants_fresh

T = TypeVar("T")


def cached_figure(
    *, store, name: str, resources: tuple[str, ...], compute: Callable[[], T], only_cached: bool = False
) -> T | None:
    """`compute()` (which asks the store) once for every operator: the figure as last
    counted, recounted in the background when `resources`' lists have changed since
    (at once after an operator's own write). `only_cached`: None instead of counting now,
    for a page that must not spend requests on the figure (it asks for it later), and
    shows it beside its own data: the figure's age does not make the page's "as of" older."""
    found = read_cache.figure_lookup(store.pk, name, resources)
    now = time.time()
    verdict = read_cache.figure_verdict(found, now=now)
    if wants_fresh() and found.figure is not None and now - found.figure.computed_at > read_cache.REFRESH_MIN_AGE:
        verdict = read_cache.MISS  # Refresh pressed: count now
    if verdict.serve:
        if not only_cached:
            record_read(fetched_at=found.figure.computed_at, from_cache=True)
        if verdict.refresh and read_cache.figure_claim_refresh(found):
            run_soon(_recount, found, compute)
        return found.figure.value
    if only_cached:
        return None
    return _recount(found, compute)


def _recount(found: read_cache.FigureLookup, compute: Callable[[], T]) -> T:
    started = time.time()
    value = compute()
    read_cache.figure_save(found, value, computed_at=started)
    return value


def figure_in_background(
    *,
    store,
    name: str,
    resources: tuple[str, ...],
    compute: Callable[[], T],
    stale: Callable[[T], bool] | None = None,
) -> tuple[T | None, float | None]:
    """Like `cached_figure`, for figures too long to count while a page waits (a walk of
    every page of a list at bulk priority): never computed in the caller's thread.

    Returns (the figure as last counted, when it was counted), or (None, None) when it has
    not been counted yet; either way a count is started in the background when due (at
    most one at a time for everyone, `figure_claim_refresh`). The page shows what there
    is and asks again. `stale(value)`: whether a figure must be counted again whatever its
    age (one that records a failure)."""
    found = read_cache.figure_lookup(store.pk, name, resources)
    now = time.time()
    verdict = read_cache.figure_verdict(found, now=now)
    figure = found.figure
    due = figure is None or not verdict.serve or verdict.refresh or bool(stale and stale(figure.value))
    if wants_fresh() and figure is not None and now - figure.computed_at > read_cache.REFRESH_MIN_AGE:
        due = True  # Refresh pressed: count again, showing the last count meanwhile
    if due and read_cache.figure_claim_refresh(found):
        run_soon(_recount, found, compute)
    if figure is None:
        return None, None
    record_read(fetched_at=figure.computed_at, from_cache=True)
    return figure.value, figure.computed_at
