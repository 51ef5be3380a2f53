"""Reads of saved views: which views an operator sees, a view's filters validated for
the list it opens, and a count where one is cheap.

Visibility (also in dashboard.models.saved_views): the owner always sees their views;
a shared view of one store is seen by that store's members; a shared view of all
stores by every operator who is a member of a store the owner is also a member of.
A view seen by its owner after they left its store opens as a notice, with no data.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Q
from django.http import QueryDict

from storeapi.models import Membership
from storeapi.roles import Perm

from ..forms.filters import (
    CrossStoreOrderFilterForm,
    CrossStoreTicketFilterForm,
    OrderFilterForm,
    TicketFilterForm,
    filters_as_query,
)
from ..links import url_for
from ..models import DefaultView, SavedView
from ..saved_views_cache import SHOWN_RELATED_FIELDS, VIEW_FIELDS, views_cached
from .overview import ticket_tab_counts
from .tickets import ticket_labels

NAV_LIMIT = 30  # views in the navigation's menu; the Views page lists them all


def operator_store_ids(memberships) -> set[int]:
    return {m.store_id for m in memberships}


def _visible(*, operator, store_ids) -> Q:
    """The views `operator` may open: theirs, shared views of their stores, and shared
    all-stores views of a colleague (an owner who is a member of one of their stores).
    A subquery, not a join: no duplicate rows to take out (and a cheaper query to build
    on every page that shows the Views menu). `store_ids`: a set, or a subquery."""
    colleagues = Membership.objects.filter(store_id__in=store_ids).values("operator_id")
    return (
        Q(owner=operator)
        | Q(shared=True, store_id__in=store_ids)
        | Q(shared=True, store__isnull=True, owner_id__in=colleagues)
    )


def _in_menu_order(*, operator, visible: Q) -> list[SavedView]:
    """Theirs first (in their order), then colleagues' shared views (by owner, in the
    owner's order). Of the store and owner, only what is shown (saved_views_cache)."""
    views = (
        SavedView.objects.filter(visible)
        .select_related("store", "owner")
        .only(*VIEW_FIELDS, *SHOWN_RELATED_FIELDS)
        .order_by("owner_id", "position", "pk")
    )
    return sorted(views, key=lambda view: view.owner_id != operator.pk)  # stable: theirs first


def views_visible(*, operator, memberships) -> list[SavedView]:
    """Every view `operator` may open, in the menu's order."""
    visible = _visible(operator=operator, store_ids=operator_store_ids(memberships))
    return _in_menu_order(operator=operator, visible=visible)


def views_visible_now(*, operator) -> list[SavedView]:
    """`views_visible`, with the operator's stores read in the same query rather than
    taken from memberships read earlier: what the cache stores must be no older than the
    generation read before it (a membership removed in between must not be cached)."""
    store_ids = Membership.objects.filter(operator=operator).values("store_id")
    return _in_menu_order(operator=operator, visible=_visible(operator=operator, store_ids=store_ids))


def request_views(request) -> list[SavedView]:
    """`views_visible` for the signed-in operator, read once per request (the list's
    views bar and the navigation's menu share it), from Redis when they are cached
    under the current generation (saved_views_cache)."""
    views = getattr(request, "_saved_views", None)
    if views is None:
        views = request._saved_views = _operator_views(request)
    return views


def _operator_views(request) -> list[SavedView]:
    if transaction.get_connection().in_atomic_block:
        # Inside a transaction the database is the truth (its own writes, not committed,
        # included): the cache would hide them, or keep them though they may roll back.
        from storeapi.access import request_memberships

        return views_visible(operator=request.user, memberships=request_memberships(request))
    return views_cached(operator=request.user, load=lambda: views_visible_now(operator=request.user))


def view_visible_get(*, operator, memberships, view_id) -> SavedView | None:
    store_ids = operator_store_ids(memberships)
    visible = SavedView.objects.filter(_visible(operator=operator, store_ids=store_ids), pk=view_id)
    return visible.select_related("store", "owner").first()


def view_store_lost(view: SavedView, memberships) -> bool:
    """The view names one store, and the operator is no longer a member of it."""
    return view.store_id is not None and view.store_id not in operator_store_ids(memberships)


def views_for_list(views: list[SavedView], *, kind: str, store) -> list[SavedView]:
    store_id = store.pk if store is not None else None
    return [v for v in views if v.kind == kind and v.store_id == store_id]


def list_url(*, kind: str, store) -> str:
    if store is None:
        return url_for("all_orders" if kind == SavedView.Kind.ORDERS else "all_tickets")
    return url_for("order_list" if kind == SavedView.Kind.ORDERS else "ticket_list", store.subdomain)


def view_url(view: SavedView) -> str:
    """Where the navigation links to: the list with the view applied."""
    return f"{list_url(kind=view.kind, store=view.store)}?{urlencode({'view': view.pk})}"


def list_filter_form(*, kind: str, store, memberships, data):
    """The list's own filter form, bound to `data`: the one the list page uses."""
    if store is None:
        choices = [(m.store.subdomain, m.store.display_name) for m in memberships if m.allows(Perm.VIEW)]
        form_class = CrossStoreOrderFilterForm if kind == SavedView.Kind.ORDERS else CrossStoreTicketFilterForm
        return form_class(data, store_choices=choices)
    if kind == SavedView.Kind.ORDERS:
        return OrderFilterForm(data)
    types, staff = ticket_labels(store=store)
    return TicketFilterForm(data, ticket_types=types, staff=staff)


def normalised_query(form) -> str:
    """The filters a bound filter form accepted, as a query string: what a view keeps."""
    pairs = filters_as_query(form.upstream_params())
    if hasattr(form, "selected_stores"):
        pairs += [("stores", s) for s in form.selected_stores()]
    return urlencode(pairs)


@dataclass
class Applied:
    """A view's filters for its list, once checked against the operator's stores now."""

    data: QueryDict
    lost_stores: int = 0  # stores named by the view the operator is no longer a member of
    nothing_left: bool = False  # every store the view named is gone: show no data


def view_filters(view: SavedView, *, memberships) -> Applied:
    """The view's query as list data; in an all-stores view, stores the operator is not
    (or no longer) a member of are left out, and said so."""
    data = QueryDict(view.query, mutable=True)
    named = data.getlist("stores")
    if view.store_id is None and named:
        mine = {m.store.subdomain for m in memberships if m.allows(Perm.VIEW)}
        kept = [s for s in named if s in mine]
        if len(kept) != len(named):
            data.setlist("stores", kept)
            return Applied(data=data, lost_stores=len(named) - len(kept), nothing_left=not kept)
    return Applied(data=data)


def default_view_get(*, operator, kind: str, store, visible: list[SavedView]) -> SavedView | None:
    """The operator's default view of this list, if it is among the views they still see
    (`visible`: `request_views`, which the page reads anyway for its Views menu)."""
    if not visible:
        return None  # no view to be the default (and no query for it, on every list page)
    view_id = DefaultView.objects.filter(operator=operator, kind=kind, store=store).values_list("view_id", flat=True)
    view_id = view_id.first()
    return next((view for view in visible if view.pk == view_id), None) if view_id else None


def default_view_ids(*, operator) -> set[int]:
    return set(DefaultView.objects.filter(operator=operator).values_list("view_id", flat=True))


def view_count(view: SavedView) -> str | None:
    """A count only where one costs nothing: the inbox's tab counts of one store, as
    already counted for the team (never counted here), for a view filtered by status
    alone. The platform's lists give no totals, and walking pages is not cheap."""
    if view.kind != SavedView.Kind.TICKETS or view.store is None or not view.store.is_connected:
        return None
    data = QueryDict(view.query)
    if list(data.keys()) != ["status"] or len(data.getlist("status")) != 1:
        return None
    counts = ticket_tab_counts(store=view.store, only_cached=True)
    if not counts:
        return None
    return counts.get(data["status"])
