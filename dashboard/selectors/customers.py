"""Customers (the platform's "users") of one store."""

from __future__ import annotations

from storeapi.client import Page, StoreClient

from .common import page_from_body


def customer_list_page(*, store, params: dict, cursor: str | None = None) -> Page:
    return StoreClient.for_store(store).list_page("users/", params, cursor=cursor)


def customer_get(*, store, customer_id: int) -> dict:
    """One customer, with their addresses; from the object cache when possible."""
    return StoreClient.for_store(store).get(f"users/{customer_id}/", cache_group=("users", customer_id))


def customer_notes_page(*, store, customer_id: int, cursor: str | None = None) -> Page:
    client = StoreClient.for_store(store)
    path = f"users/{customer_id}/notes/"
    if cursor:
        return client.list_page(path, cursor=cursor)
    return page_from_body(client.get(path, cache_group=("users", customer_id)))


def customer_orders_page(*, store, customer_id: int, cursor: str | None = None) -> Page:
    return StoreClient.for_store(store).list_page(f"users/{customer_id}/orders/", cursor=cursor)


def customer_tickets_page(*, store, customer_id: int, cursor: str | None = None) -> Page:
    return StoreClient.for_store(store).list_page("tickets/", {"requester": customer_id}, cursor=cursor)
