"""Orders of one store."""

from __future__ import annotations

from storeapi.client import Page, StoreClient


def order_list_page(*, store, params: dict, cursor: str | None = None) -> Page:
    """One page of the store's orders, newest first: one upstream request."""
    return StoreClient.for_store(store).list_page("orders/", params, cursor=cursor)


def order_get(*, store, number: str, fresh: bool = False) -> dict:
    """One order. Served from the object cache (invalidated by webhooks and by our own
    writes) unless `fresh`."""
    client = StoreClient.for_store(store)
    path = f"orders/{number}/"
    if fresh:
        return client.get(path)
    return client.get(path, cache_group=("orders", number))


def order_notes_page(*, store, number: str, cursor: str | None = None) -> Page:
    """The order's notes, newest first. The first page comes from the object cache."""
    client = StoreClient.for_store(store)
    path = f"orders/{number}/notes/"
    if cursor:
        return client.list_page(path, cursor=cursor)
    return client.list_page(path, cache_group=("orders", number))


def order_tickets_page(*, store, number: str) -> Page:
    """Support tickets that mention the order (the platform's `order_number` filter)."""
    return StoreClient.for_store(store).list_page("tickets/", {"order_number": number}, cache_group=("orders", number))
