"""Support tickets of one store."""

from __future__ import annotations

from storeapi.client import Page, StoreClient
from storeapi.errors import StoreAPIError


def ticket_list_page(*, store, params: dict, cursor: str | None = None) -> Page:
    return StoreClient.for_store(store).list_page("tickets/", params, cursor=cursor, cached=True)


def ticket_get(*, store, ticket_id: int, fresh: bool = False) -> dict:
    """One ticket with its whole thread (`comments`), from the shared cache unless `fresh`."""
    return StoreClient.for_store(store).get(f"tickets/{ticket_id}/", cached=True, fresh=fresh)


def ticket_types_list(*, store) -> list[dict]:
    """The store's ticket types (few; cached). An empty list when they cannot be read:
    the types only label rows and fill a filter, so their failure must not hide the inbox."""
    try:
        body = StoreClient.for_store(store).get("tickettypes/", cached=True, reference=True)
    except StoreAPIError:
        return []
    if isinstance(body, dict):
        body = body.get("results")
    return [t for t in body or [] if isinstance(t, dict) and "id" in t]


def tickets_label_types(*, tickets: list, types: list[dict]) -> None:
    """Give each ticket its type's name (`type_name`), from the store's own types."""
    names = {t["id"]: t.get("name") for t in types}
    for ticket in tickets:
        if isinstance(ticket, dict):
            ticket["type_name"] = names.get(ticket.get("ticket_type"))
