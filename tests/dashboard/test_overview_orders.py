"""The overview's order figures against the sandbox's own orders: what is counted, the
bound on the pages walked, and the cache (the ticket counts are in test_overview.py)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors.overview import CHART_DAYS, ORDER_STATS_MAX_PAGES, order_stats
from dashboard.services.orders import order_cancel, order_tag_add
from storeapi.roles import Role

from .conftest import HX, new_paid_order

pytestmark = pytest.mark.django_db


def placed_day(order: dict, zone: ZoneInfo):
    return datetime.fromisoformat(order["date_placed"].replace("Z", "+00:00")).astimezone(zone).date()


def expected_figures(sandbox, store) -> tuple[dict, Decimal]:
    """Orders per day and revenue over the chart's days, from the sandbox's database:
    test orders left out, canceled ones counted but earning nothing."""
    zone = ZoneInfo(store.timezone)
    today = timezone.now().astimezone(zone).date()
    first = today - timedelta(days=CHART_DAYS - 1)
    per_day: dict = {}
    revenue = Decimal("0")
    for order in sandbox.orders(store.subdomain):
        day = placed_day(order, zone)
        if order.get("is_test") or not first <= day <= today:
            continue
        per_day[day] = per_day.get(day, 0) + 1
        if order["status"] != "canceled" and order["currency"] == store.currency:
            revenue += Decimal(order["total_incl_tax"])
    return per_day, revenue


def order_list_requests(sandbox) -> list[dict]:
    return [e for e in sandbox.request_log("acme") if e["path"] == "/acme/api/admin/orders/"]


def test_the_figures_are_the_stores_orders_by_its_calendar(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    canceled = new_paid_order(sandbox)  # placed today, then canceled: counted, but earns nothing
    order_cancel(operator=client.operator, store=acme, number=canceled, reason="Customer asked")
    assert sandbox.orders("acme", detail=False)[0]["number"] == canceled
    per_day, revenue = expected_figures(sandbox, acme)
    stats = order_stats(store=acme)
    assert {d.day: d.orders for d in stats.days if d.orders} == per_day
    assert stats.periods[-1] == ("Last 30 days", sum(per_day.values()), revenue)
    assert stats.days[-1].day == timezone.now().astimezone(ZoneInfo(acme.timezone)).date()
    assert not stats.capped and stats.other_currencies == []


def test_more_orders_than_the_bound_are_counted_up_to_it_and_the_panel_says_so(acme, login_as, sandbox):
    per_day, _ = expected_figures(sandbox, acme)
    # Small pages, so that the last 30 days take more pages than the bound allows.
    page_size = max(1, sum(per_day.values()) // (ORDER_STATS_MAX_PAGES + 3))
    sandbox.set_page_size("acme", page_size)
    sandbox.clear_request_log("acme")
    html = (
        login_as(acme)
        .get(reverse("store_overview", kwargs={"store": "acme"}), {"panel": "orders"}, **HX)
        .content.decode()
    )
    assert len(order_list_requests(sandbox)) == ORDER_STATS_MAX_PAGES
    assert "Only the newest orders were counted." in html
    assert f">{ORDER_STATS_MAX_PAGES * page_size}+<" in html  # the 30 days' count, marked as a floor


def test_the_figures_come_from_the_cache_until_an_order_changes(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    before = order_stats(store=acme)
    sandbox.clear_request_log("acme")
    assert order_stats(store=acme) == before
    assert order_list_requests(sandbox) == []
    order_tag_add(operator=client.operator, store=acme, number=sandbox.order_numbers("acme")[0], tag="checked")
    sandbox.clear_request_log("acme")
    order_stats(store=acme)
    assert order_list_requests(sandbox), "the figures were served from the cache after a write"
