"""Orders and tickets of every store the operator belongs to, in one list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from storeapi.access import request_memberships
from storeapi.roles import Perm

from ..forms.filters import CrossStoreOrderFilterForm, CrossStoreTicketFilterForm
from ..selectors.cross_store import (
    merged_list_page,
    merged_tickets_label,
    operator_stores,
    split_connected,
)
from ..selectors.tickets import look_ahead_ticket_labels
from .common import clean_cursor, list_partial, render_page
from .saved_views import list_state, saved_views_context


def _merged(
    request, *, form_class, path: str, sort_key: str, template: str, prefix: str, kind: str, label=None, ahead=None
):
    """`label(page=)` names the rows' labels; `ahead(stores=)` says which lookups it will
    make, for them to come with the list's (storeapi.cache.look_ahead)."""
    state = list_state(request, kind=kind, store=None)
    if state.redirect:
        return state.redirect
    memberships = request_memberships(request)
    all_stores = operator_stores(operator=request.user, perm=Perm.VIEW, memberships=memberships)
    form = form_class(state.data, store_choices=[(s.subdomain, s.display_name) for s in all_stores])
    chosen = set(form.selected_stores())  # the `stores` filter, or all
    stores, skipped = split_connected([s for s in all_stores if not chosen or s.subdomain in chosen])
    if state.hide_all:
        stores, skipped = [], []  # a saved view whose every store is gone: nothing of anyone's
    cursor = clean_cursor(request)
    if ahead is not None:
        ahead(stores=stores)
    page = merged_list_page(stores=stores, path=path, params=form.upstream_params(), sort_key=sort_key, cursor=cursor)
    if label is not None:
        label(page=page)
    context = {
        "form": form,
        "page": page,
        "skipped": skipped,
        "cursor": cursor,
        "chips": form.chips(state.data),
        "has_stores": bool(all_stores),
        # The store switcher's list (base.html) from the same query, not a second one.
        "my_memberships": memberships,
        **saved_views_context(request, state=state, kind=kind, store=None, form=form),
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
        kind="tickets",
        label=merged_tickets_label,
        ahead=look_ahead_ticket_labels,
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
        kind="orders",
    )
