"""Support tickets of one store."""

from __future__ import annotations

from storeapi import cache as read_cache
from storeapi.client import Page, StoreClient, cached_gets
from storeapi.errors import StoreAPIError

from ..models import OperatorAuthorship
from .authorship import operator_authors


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
    return _types_from_body(body)


def _types_from_body(body) -> list[dict]:
    if isinstance(body, dict):
        body = body.get("results")
    return [t for t in body or [] if isinstance(t, dict) and "id" in t]


def tickets_label_types(*, tickets: list, types: list[dict]) -> None:
    """Give each ticket its type's name (`type_name`), from the store's own types."""
    names = {t["id"]: t.get("name") for t in types}
    for ticket in tickets:
        if isinstance(ticket, dict):
            ticket["type_name"] = names.get(ticket.get("ticket_type"))


STAFF_PAGES = 4  # at the platform's 50 a page: a store has a few dozen users at most


def store_staff_list(*, store) -> list[dict] | None:
    """The store's own users, the people a ticket can be assigned to, by name:
    `[{"id", "name", "email"}]` (`users/?user_type=dashboard`). Read through the shared
    cache like the ticket types: no event announces a new store user, so the list is
    refreshed by age (storeapi.cache.OWN_LISTS), and customers' and orders' changes
    leave it alone. None when the store could not say: names only label the page, so
    their failure must not hide it (ids are shown instead)."""
    client = StoreClient.for_store(store)
    pages: list[Page] = []
    cursor = None
    try:
        for _ in range(STAFF_PAGES):
            query = {**STAFF_QUERY, **({"cursor": cursor} if cursor else {})}
            body = client.get("users/", query, cached=True, reference=True)
            pages.append(Page.from_body(body, store=store.subdomain))
            if not pages[-1].has_next:
                break
            cursor = pages[-1].next_cursor
    except StoreAPIError:
        return None
    return _staff_from_pages(pages)


STAFF_QUERY = {"user_type": "dashboard"}


def _staff_from_pages(pages: list[Page]) -> list[dict]:
    staff = [_staff_member(u) for page in pages for u in page.results if isinstance(u, dict) and _int_id(u.get("id"))]
    return sorted(staff, key=lambda u: (u["name"].casefold(), u["id"]))


def ticket_labels(*, store) -> tuple[list[dict], list[dict] | None]:
    """The store's ticket types and users (`ticket_types_list`, `store_staff_list`), in
    one round trip to the shared cache when it holds both."""
    cached = cached_ticket_labels(stores=[store]).get(store.pk)
    return cached if cached is not None else (ticket_types_list(store=store), store_staff_list(store=store))


def cached_ticket_labels(*, stores) -> dict[int, tuple[list[dict], list[dict]]]:
    """For each store whose ticket types and users the shared cache holds now (both, and
    the users on one page), `(types, staff)` as `ticket_types_list` and
    `store_staff_list` give them; one round trip to Redis for every store. The
    all-stores inbox asks the stores only for the others."""
    stores = list(stores)
    clients = [StoreClient.for_store(store) for store in stores]
    reads = [(c, path, query) for path, query in LABEL_READS for c in clients]
    bodies = cached_gets(reads, reference=True)
    labels = {}
    for store, types_body, staff_body in zip(stores, bodies[: len(stores)], bodies[len(stores) :], strict=True):
        if types_body is None or staff_body is None:
            continue
        page = Page.from_body(staff_body, store=store.subdomain)
        if page.has_next:  # more users than one page: read the rest the usual way
            continue
        labels[store.pk] = (_types_from_body(types_body), _staff_from_pages([page]))
    return labels


LABEL_READS = (("tickettypes/", None), ("users/", STAFF_QUERY))  # what cached_ticket_labels reads, per store


def look_ahead_ticket_labels(*, stores) -> None:
    """These stores' ticket types and users will be looked up soon: looked up in the
    same round trip as the page's next lookup (storeapi.cache.look_ahead)."""
    read_cache.look_ahead(reads=[(store.pk, path, query) for store in stores for path, query in LABEL_READS])


def _int_id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _staff_member(user: dict) -> dict:
    name = f"{user.get('first_name') or ''} {user.get('last_name') or ''}".strip()
    email = user.get("email") or ""
    return {"id": user["id"], "name": name or email or f"Store user #{user['id']}", "email": email}


def staff_name(staff: list[dict] | None, user_id) -> str:
    """A store user's name, or "Store user #5" when the store did not list them."""
    for member in staff or ():
        if member["id"] == user_id:
            return member["name"]
    return f"Store user #{user_id}"


def tickets_label_assignees(tickets: list, staff: list[dict] | None) -> None:
    """`assignee_name` on each ticket that has an assignee (the rows show names)."""
    names = {member["id"]: member["name"] for member in staff or ()}
    for ticket in tickets:
        if isinstance(ticket, dict) and ticket.get("assignee"):
            ticket["assignee_name"] = names.get(ticket["assignee"]) or f"Store user #{ticket['assignee']}"


def ticket_comment_authors(*, store, ticket_id) -> dict[str, str]:
    """The comments of a ticket that operators wrote through Storedesk: comment id ->
    the operator's name."""
    return operator_authors(store=store, kind=OperatorAuthorship.Kind.TICKET_COMMENT, parent_id=ticket_id)
