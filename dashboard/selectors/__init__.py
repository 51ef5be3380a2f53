"""Reads: plain functions that ask a store (through StoreClient) or the database.

Each takes keyword-only arguments and returns plain data; store errors
(`storeapi.errors.StoreAPIError`) pass through to the view, which shows them in the
part of the page that needed the data (`attempt` returns them instead of raising).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storeapi.errors import StoreAPIError


def attempt(fn: Callable[..., Any], /, **kwargs) -> tuple[Any, StoreAPIError | None]:
    """Call a selector; a store error is returned to show, not raised."""
    try:
        return fn(**kwargs), None
    except StoreAPIError as error:
        return None, error
