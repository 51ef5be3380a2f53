"""Orders of one store."""

from __future__ import annotations

from storeapi.client import Page, StoreClient

from ..models import OperatorAuthorship
from .authorship import notes_label_operators


def order_list_page(*, store, params: dict, cursor: str | None = None) -> Page:
    """One page of the store's orders, newest first: one upstream request."""
    return StoreClient.for_store(store).list_page("orders/", params, cursor=cursor, cached=True)


def order_get(*, store, number: str, fresh: bool = False) -> dict:
    """One order. Served from the shared cache (invalidated by webhooks and by our own
    writes) unless `fresh`."""
    return StoreClient.for_store(store).get(f"orders/{number}/", cached=True, fresh=fresh)


def order_notes_page(*, store, number: str, cursor: str | None = None) -> Page:
    """The order's notes, newest first; those written through Storedesk name their
    operator (`operator_name`)."""
    page = StoreClient.for_store(store).list_page(f"orders/{number}/notes/", cursor=cursor, cached=True)
    notes_label_operators(store=store, kind=OperatorAuthorship.Kind.ORDER_NOTE, parent_id=number, notes=page.results)
    return page


def order_tickets_page(*, store, number: str) -> Page:
    """Support tickets that mention the order (the platform's `order_number` filter)."""
    return StoreClient.for_store(store).list_page("tickets/", {"order_number": number}, cached=True)
