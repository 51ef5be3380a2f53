"""The catalogue, read only: a store's products, a product's page, and the catalogue of
every store (find a SKU or a title; the stock at or below its threshold)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from storeapi.access import store_view
from storeapi.errors import NotFound
from storeapi.roles import Perm

from ..forms.catalogue import CatalogueSearchForm, LowStockFilterForm, ProductFilterForm
from ..selectors import attempt
from ..selectors.catalogue import (
    catalogue_find_everywhere,
    low_stock,
    product_get,
    product_list_page,
    product_orders_page,
    product_tickets_page,
    variant_product_id,
)
from ..selectors.cross_store import operator_memberships, operator_stores, split_connected
from .common import clean_cursor, is_partial, list_partial, render_page

LIST = "dashboard/catalogue/list.html"
DETAIL = "dashboard/catalogue/detail.html"
ALL_STORES = "dashboard/catalogue/all_stores.html"
LOW_STOCK = "dashboard/catalogue/low_stock.html"
PANELS = ("orders", "tickets")


def product_url(store, product_id: int) -> str:
    return reverse("product_detail", kwargs={"store": store.subdomain, "product_id": product_id})


@require_GET
@store_view(Perm.VIEW)
def product_list(request, store):
    form = ProductFilterForm(request.GET)
    cursor = clean_cursor(request)
    page, error = attempt(product_list_page, store=store, params=form.upstream_params(), cursor=cursor)
    context = {
        "store": store,
        "form": form,
        "page": page,
        "error": error,
        "chips": form.chips(request.GET),
        "cursor": cursor,
    }
    return render_page(request, LIST, context, partial=list_partial(request, prefix="product"))


@require_GET
@store_view(Perm.VIEW)
def product_detail(request, store, product_id):
    product, error = attempt(product_get, store=store, product_id=product_id)
    if isinstance(error, NotFound):
        raise Http404("No such product in this store.")
    context = {"store": store, "product_id": product_id, "product": product, "error": error}
    panel = request.GET.get("panel")
    if panel in PANELS and product is not None:
        # The lazy panels: the product's recent orders, the tickets that mention it.
        selector = product_orders_page if panel == "orders" else product_tickets_page
        found, panel_error = attempt(selector, store=store, product=product)
        context.update({panel: found, f"{panel}_error": panel_error, f"{panel}_loaded": True})
        if is_partial(request):
            return render_page(request, DETAIL, context, partial=panel)
    return render_page(request, DETAIL, context)


@require_GET
@store_view(Perm.VIEW)
def variant_detail(request, store, variant_id):
    """What an order line or a ticket names (a variant, or a standalone product): its
    product's page, at the variant."""
    product_id, error = attempt(variant_product_id, store=store, variant_id=variant_id)
    if isinstance(error, NotFound):
        # A ticket may name the product itself rather than one of its variants.
        return redirect(product_url(store, variant_id))
    if error is not None:
        return render_page(request, DETAIL, {"store": store, "product": None, "error": error})
    return redirect(f"{product_url(store, product_id)}#variant-{variant_id}")


def _operator_stores(request):
    memberships = operator_memberships(operator=request.user)
    stores = operator_stores(operator=request.user, perm=Perm.VIEW, memberships=memberships)
    return memberships, stores


def _chosen(stores, chosen) -> tuple[list, list]:
    chosen = set(chosen or ())
    stores = sorted(stores, key=lambda s: (s.display_name.lower(), s.subdomain))  # rows in a stable order
    return split_connected([s for s in stores if not chosen or s.subdomain in chosen])


@require_GET
@login_required
def all_products(request):
    """A SKU or a title in every store of the operator, one row per store and variant."""
    memberships, all_stores = _operator_stores(request)
    form = CatalogueSearchForm(request.GET, store_choices=[(s.subdomain, s.display_name) for s in all_stores])
    query = form.query()
    stores, skipped = _chosen(all_stores, form.selected_stores())
    found, failures = ({}, [])
    if query:
        found, failures = catalogue_find_everywhere(stores=stores, query=query)
    results = [(store, found[store.pk]) for store in stores if store.pk in found]
    context = {
        "form": form,
        "found_for": query,  # not `query`: that fills the top bar's search box (base.html)
        "results": results,
        "failures": failures,
        "skipped": skipped if query else [],
        "has_stores": bool(all_stores),
        "my_memberships": memberships,
    }
    return render_page(request, ALL_STORES, context, partial="results")


@require_GET
@login_required
def low_stock_list(request):
    """Stock records at or below their threshold in every store of the operator, as
    last walked (in the background, at bulk priority) and shared by the team."""
    memberships, all_stores = _operator_stores(request)
    form = LowStockFilterForm(request.GET, store_choices=[(s.subdomain, s.display_name) for s in all_stores])
    stores, skipped = _chosen(all_stores, form.value("stores"))
    level = form.value("level") or ""
    sections = []
    for store in stores:
        found = low_stock(store=store)
        records = [r for r in found.records if not level or r.level == level]
        sections.append({"store": store, "low": found, "records": records})
    context = {
        "form": form,
        "sections": sections,
        "counting": any(s["low"].counted_at is None for s in sections),
        "skipped": skipped,
        "has_stores": bool(all_stores),
        "my_memberships": memberships,
    }
    return render_page(request, LOW_STOCK, context, partial="results")
