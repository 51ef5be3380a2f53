"""Global search: an order number, an e-mail address or a ticket id (or any text) in
every store of the operator, asked concurrently and grouped by store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from storeapi.client import StoreClient
from storeapi.errors import NotFound

from .cross_store import StoreFailure, stores_fan_out

MAX_PER_KIND = 10
_NUMBER = re.compile(r"^#?(\d{1,12})$")


@dataclass(frozen=True)
class MoreMatches:
    """More matches of one kind in a store than the search shows, and where they all are:
    the store's list (`url_name`) filtered by `params`. `count` is how many the store's
    first page held; `more_pages` when it has further pages (the platform gives no total)."""

    nouns: str  # "orders", "customers", "tickets"
    url_name: str
    params: dict
    count: int
    more_pages: bool

    @property
    def query(self) -> str:
        return urlencode(self.params)


@dataclass
class StoreMatches:
    store: Any
    orders: list[dict] = field(default_factory=list)
    customers: list[dict] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)
    more: list[MoreMatches] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.orders) + len(self.customers) + len(self.tickets)


@dataclass
class SearchResults:
    query: str
    kind: str  # "number", "email" or "text"
    groups: list[StoreMatches]
    failures: list[StoreFailure]

    @property
    def count(self) -> int:
        return sum(g.count for g in self.groups)


def search_kind(query: str) -> str:
    if _NUMBER.match(query):
        return "number"
    if "@" in query:
        return "email"
    return "text"


def _one_or_none(client: StoreClient, path: str) -> dict | None:
    try:
        found = client.get(path, cached=True)
    except NotFound:
        return None
    return found if isinstance(found, dict) else None


# What each kind of match is searched with, and the list page that shows them all.
_LISTS = {
    "orders/": ("orders", "order_list"),
    "users/": ("customers", "customer_list"),
    "tickets/": ("tickets", "ticket_list"),
}


def _results(client: StoreClient, path: str, params: dict, found: StoreMatches) -> list[dict]:
    """The first MAX_PER_KIND matches; when the store has more, a `MoreMatches` for them."""
    page = client.list_page(path, params, cached=True)
    if len(page.results) > MAX_PER_KIND or page.has_next:
        nouns, url_name = _LISTS[path]
        found.more.append(MoreMatches(nouns, url_name, dict(params), len(page.results), page.has_next))
    return page.results[:MAX_PER_KIND]


def _search_store(store, query: str, kind: str) -> StoreMatches:
    client = StoreClient.for_store(store)
    found = StoreMatches(store)
    if kind == "number":
        number = _NUMBER.match(query).group(1)
        order = _one_or_none(client, f"orders/{number}/")
        ticket = _one_or_none(client, f"tickets/{number}/")
        found.orders = [order] if order else []
        found.tickets = [ticket] if ticket else []
    elif kind == "email":
        found.orders = _results(client, "orders/", {"search_text": query}, found)
        found.customers = _results(client, "users/", {"email": query}, found)
        found.tickets = _results(client, "tickets/", {"filter_text": query}, found)
    else:
        found.orders = _results(client, "orders/", {"search_text": query}, found)
        found.customers = _results(client, "users/", {"name": query}, found)
        found.tickets = _results(client, "tickets/", {"filter_text": query}, found)
    return found


def search_across_stores(*, stores: list, query: str) -> SearchResults:
    """`query` is not empty (for an empty box the page shows a hint instead)."""
    query = query.strip()
    kind = search_kind(query)
    results, failures = stores_fan_out(stores=stores, call=lambda store: _search_store(store, query, kind))
    groups = [results[s.pk] for s in stores if s.pk in results]
    return SearchResults(query, kind, groups, failures)
