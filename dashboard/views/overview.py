"""A store's overview: each panel loads on its own, so one slow call blocks nothing."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from storeapi.access import store_view
from storeapi.roles import Perm

from ..selectors import attempt
from ..selectors.overview import order_stats, recent_page, ticket_status_counts
from .common import is_partial, render_page

TEMPLATE = "dashboard/overview/overview.html"


def _tickets(store):
    return attempt(ticket_status_counts, store=store)


def _orders(store):
    return attempt(order_stats, store=store)


def _recent_tickets(store):
    return attempt(recent_page, store=store, resource="tickets")


def _recent_orders(store):
    return attempt(recent_page, store=store, resource="orders")


PANELS = {"tickets": _tickets, "orders": _orders, "recent_tickets": _recent_tickets, "recent_orders": _recent_orders}


@require_GET
@store_view(Perm.VIEW)
def store_overview(request, store):
    """The page shows placeholders that load `?panel=<name>`; without JavaScript each
    placeholder is a link to the page with that panel filled in."""
    context = {"store": store, "loaded": {}}
    panel = request.GET.get("panel")
    if panel in PANELS:
        data, error = PANELS[panel](store)
        context["loaded"][panel] = True
        context[panel], context[f"{panel}_error"] = data, error
        if is_partial(request):
            return render_page(request, TEMPLATE, context, partial=panel)
    return render_page(request, TEMPLATE, context)
