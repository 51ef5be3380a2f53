"""Customers (the platform's "users") of one store."""

from __future__ import annotations

from storeapi.client import Page, StoreClient

from ..models import OperatorAuthorship
from .authorship import notes_label_operators


def customer_list_page(*, store, params: dict, cursor: str | None = None) -> Page:
    return StoreClient.for_store(store).list_page("users/", params, cursor=cursor, cached=True)


def customer_get(*, store, customer_id: int) -> dict:
    """One customer, with their addresses; from the shared cache when possible."""
    return StoreClient.for_store(store).get(f"users/{customer_id}/", cached=True)


def customer_notes_page(*, store, customer_id: int, cursor: str | None = None) -> Page:
    """The customer's notes; those written through Storedesk name their operator."""
    page = StoreClient.for_store(store).list_page(f"users/{customer_id}/notes/", cursor=cursor, cached=True)
    kind = OperatorAuthorship.Kind.CUSTOMER_NOTE
    notes_label_operators(store=store, kind=kind, parent_id=customer_id, notes=page.results)
    return page


ORDERS_SHOWN = 50


def customer_orders_page(*, store, customer_id: int, cursor: str | None = None) -> Page:
    """The customer's orders, newest first. The platform documents this endpoint as
    one object and the sandbox answers a plain array; a paginated answer is followed
    with its cursor. Of a plain array the newest ORDERS_SHOWN are shown (the page links
    to the orders list filtered by the customer's e-mail for the rest)."""
    client = StoreClient.for_store(store)
    body = client.get(f"users/{customer_id}/orders/", {"cursor": cursor} if cursor else None, cached=True)
    if isinstance(body, list):
        return Page(results=[o for o in body if isinstance(o, dict)][:ORDERS_SHOWN])
    if isinstance(body, dict) and "results" not in body and "number" in body:
        return Page(results=[body])
    return Page.from_body(body, store=store.subdomain)


def customer_tickets_page(*, store, customer_id: int, cursor: str | None = None) -> Page:
    return StoreClient.for_store(store).list_page("tickets/", {"requester": customer_id}, cursor=cursor, cached=True)
