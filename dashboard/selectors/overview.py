"""The store overview's figures: ticket counts by status, orders and revenue by day.

The platform has no counts or sums, so these walk list pages (a bounded number). Each
figure is counted once for the whole team and kept (`storeapi.figures.cached_figure`):
when a webhook or a write changes the resource's lists, the figure as last counted is
still shown, saying how old it is, and recounted in the background.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from storeapi import cache as read_cache
from storeapi.client import Page, StoreClient
from storeapi.figures import cached_figure

OPEN_TICKET_STATUSES = ("new", "open", "pending")
ENDED_TICKET_STATUSES = ("solved", "closed")  # these grow for ever: counted up to a page
TICKET_COUNT_MAX_PAGES = 4  # 200 tickets at the platform's page size of 50
UNSOLVED_COUNTS, ENDED_COUNTS = "ticketcounts", "endedcounts"  # the figures' names
ORDER_STATS_MAX_PAGES = 10  # 500 orders in the last 30 days
CHART_DAYS = 30


# --- ticket counts -------------------------------------------------------------------------


@dataclass
class TicketCounts:
    counts: dict[str, int]
    capped: bool  # more tickets than were counted

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def ticket_status_counts(*, store, only_cached: bool = False) -> TicketCounts | None:
    """Unsolved tickets (new, open, pending) by status. Costs up to
    TICKET_COUNT_MAX_PAGES requests when counted; `only_cached`: None instead."""

    def count() -> dict:
        counter: Counter = Counter()
        capped = False
        client = StoreClient.for_store(store)
        for index, page in enumerate(client.iter_pages("tickets/", {"status": list(OPEN_TICKET_STATUSES)})):
            counter.update(str(t.get("status")) for t in page.results if isinstance(t, dict))
            if page.has_next and index + 1 >= TICKET_COUNT_MAX_PAGES:
                capped = True
                break
        return {"counts": {s: counter.get(s, 0) for s in OPEN_TICKET_STATUSES}, "capped": capped}

    figure = cached_figure(
        store=store, name=UNSOLVED_COUNTS, resources=("tickets",), compute=count, only_cached=only_cached
    )
    return TicketCounts(**figure) if figure is not None else None


def ticket_tab_counts(*, store, only_cached: bool = False) -> dict[str, str] | None:
    """Every inbox tab's count as shown ("12", "200+"). The API has no counts: the
    unsolved statuses are counted together (`ticket_status_counts`); solved and closed,
    which grow with the store's whole history, up to one page each. Costs up to
    TICKET_COUNT_MAX_PAGES + 2 requests when not cached; `only_cached`: None instead."""
    unsolved = ticket_status_counts(store=store, only_cached=only_cached)
    if unsolved is None:
        return None
    shown = {status: f"{n}{'+' if unsolved.capped else ''}" for status, n in unsolved.counts.items()}

    def count_ended() -> dict:
        client = StoreClient.for_store(store)
        ended = {}
        for status in ENDED_TICKET_STATUSES:
            page = client.list_page("tickets/", {"status": status})
            ended[status] = f"{len(page.results)}{'+' if page.has_next else ''}"
        return ended

    ended = cached_figure(
        store=store, name=ENDED_COUNTS, resources=("tickets",), compute=count_ended, only_cached=only_cached
    )
    return shown | ended if ended is not None else None


def look_ahead_ticket_tab_counts(*, store) -> None:
    """The inbox's tab counts will be looked up soon: in the same round trip as the
    page's next lookup (storeapi.cache.look_ahead)."""
    read_cache.look_ahead(figures=[(store.pk, name, ("tickets",)) for name in (UNSOLVED_COUNTS, ENDED_COUNTS)])


# --- orders by day ---------------------------------------------------------------------------


@dataclass
class Day:
    day: date
    orders: int = 0
    revenue: Decimal = Decimal("0")


@dataclass
class Bar:
    day: date
    orders: int
    revenue: Decimal
    x: float
    y: float
    width: float
    height: float


@dataclass
class OrderStats:
    currency: str
    today: date
    days: list[Day]
    capped: bool
    other_currencies: list[str] = field(default_factory=list)

    def _sum(self, last: int) -> tuple[int, Decimal]:
        chosen = self.days[-last:]
        return sum(d.orders for d in chosen), sum((d.revenue for d in chosen), Decimal("0"))

    @property
    def periods(self) -> list[tuple[str, int, Decimal]]:
        return [
            ("Today", *self._sum(1)),
            ("Last 7 days", *self._sum(7)),
            ("Last 30 days", *self._sum(CHART_DAYS)),
        ]

    def bars(self, *, width: float = 300, height: float = 80) -> list[Bar]:
        """Bars of a small SVG chart of orders per day (coordinates in the viewBox)."""
        peak = max((d.orders for d in self.days), default=0) or 1
        slot = width / max(len(self.days), 1)
        bars = []
        for index, d in enumerate(self.days):
            h = round(height * d.orders / peak, 2)
            bars.append(
                Bar(d.day, d.orders, d.revenue, round(index * slot + 1, 2), round(height - h, 2), round(slot - 2, 2), h)
            )
        return bars


def _store_zone(store) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(store.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def order_stats(*, store, now: datetime | None = None) -> OrderStats:
    """Orders and revenue (not canceled, not test) per day over the last 30 days, by the
    store's calendar. Costs up to ORDER_STATS_MAX_PAGES requests when not cached."""
    zone = _store_zone(store)
    today = (now or timezone.now()).astimezone(zone).date()

    def count() -> OrderStats:
        return _order_stats(store, zone, today)

    return cached_figure(store=store, name=f"orderstats:{today.isoformat()}", resources=("orders",), compute=count)


def _order_stats(store, zone, today: date) -> OrderStats:
    first = today - timedelta(days=CHART_DAYS - 1)
    days = {first + timedelta(days=i): Day(first + timedelta(days=i)) for i in range(CHART_DAYS)}
    currency = store.currency or ""
    others: set[str] = set()
    capped = False
    # A day of margin: the platform may read the date in another zone than the store's.
    params = {"date_placed_from": (first - timedelta(days=1)).isoformat(), "is_test": "false"}
    client = StoreClient.for_store(store)
    for index, page in enumerate(client.iter_pages("orders/", params)):
        _add_orders(page, days, zone, currency, others)
        if page.has_next and index + 1 >= ORDER_STATS_MAX_PAGES:
            capped = True
            break
    return OrderStats(
        currency=currency, today=today, days=list(days.values()), capped=capped, other_currencies=sorted(others)
    )


def _add_orders(page: Page, days: dict[date, Day], zone, currency: str, others: set[str]) -> None:
    for order in page.results:
        if not isinstance(order, dict) or order.get("is_test"):
            continue
        placed = parse_datetime(str(order.get("date_placed") or ""))
        if placed is None:
            continue
        day = days.get(placed.astimezone(zone).date())
        if day is None:
            continue
        day.orders += 1
        if order.get("status") == "canceled":
            continue
        if currency and order.get("currency") and order["currency"] != currency:
            others.add(order["currency"])
            continue
        try:
            day.revenue += Decimal(str(order.get("total_incl_tax") or "0"))
        except InvalidOperation:
            continue


def recent_page(*, store, resource: str) -> Page:
    """The newest page of `orders/` or `tickets/` (one request)."""
    return StoreClient.for_store(store).list_page(f"{resource}/", cached=True)
