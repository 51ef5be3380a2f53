"""Orders and tickets of every store the operator belongs to, in one list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from storeapi.models import Membership
from storeapi.roles import Perm

from ..filters import CrossStoreOrderFilterForm, CrossStoreTicketFilterForm
from ..selectors.cross_store import merged_list_page
from .common import clean_cursor, list_partial, render_page


def _memberships(request) -> list[Membership]:
    return [m for m in Membership.objects.for_operator(request.user) if m.allows(Perm.VIEW)]


def _stores(memberships, form) -> tuple[list, list]:
    """The stores to ask (the `stores` filter, or all), and those skipped because they
    are not connected."""
    chosen = set(form.selected_stores())
    stores = [m.store for m in memberships if not chosen or m.store.subdomain in chosen]
    return [s for s in stores if s.is_connected], [s for s in stores if not s.is_connected]


def _merged(request, *, form_class, path: str, sort_key: str, template: str, prefix: str):
    memberships = _memberships(request)
    choices = [(m.store.subdomain, m.store.display_name) for m in memberships]
    form = form_class(request.GET, store_choices=choices)
    stores, skipped = _stores(memberships, form)
    cursor = clean_cursor(request)
    page = merged_list_page(stores=stores, path=path, params=form.upstream_params(), sort_key=sort_key, cursor=cursor)
    context = {
        "form": form,
        "page": page,
        "skipped": skipped,
        "cursor": cursor,
        "chips": form.chips(request.GET),
        "has_stores": bool(memberships),
    }
    return render_page(request, template, context, partial=list_partial(request, prefix=prefix))


@require_GET
@login_required
def all_tickets(request):
    """Tickets of every store, newest first, with a store badge per row; each store is
    asked concurrently, and a store that fails is a notice above the others' rows."""
    return _merged(
        request,
        form_class=CrossStoreTicketFilterForm,
        path="tickets/",
        sort_key="created_at",
        template="dashboard/cross_store/tickets.html",
        prefix="all-ticket",
    )


@require_GET
@login_required
def all_orders(request):
    return _merged(
        request,
        form_class=CrossStoreOrderFilterForm,
        path="orders/",
        sort_key="date_placed",
        template="dashboard/cross_store/orders.html",
        prefix="all-order",
    )
