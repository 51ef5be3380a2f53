"""Payment transactions of one store (`/transactions/`, scope transactions:read)."""

from __future__ import annotations

from storeapi.client import Page, StoreClient


def transaction_list_page(*, store, params: dict, cursor: str | None = None) -> Page:
    """One page of the store's transactions, newest first: one upstream request."""
    return StoreClient.for_store(store).list_page("transactions/", params, cursor=cursor, cached=True)
