"""Customers of one store: the list, a customer's page, a new customer."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from storeapi.access import store_view
from storeapi.errors import NotFound, StoreAPIError
from storeapi.roles import Perm

from ..forms.customers import CustomerForm
from ..forms.filters import CustomerFilterForm
from ..forms.notes import NoteForm
from ..selectors import attempt
from ..selectors.customers import (
    customer_get,
    customer_list_page,
    customer_notes_page,
    customer_orders_page,
    customer_tickets_page,
)
from ..services.customers import customer_create, customer_note_add
from .common import add_store_errors, clean_cursor, is_partial, list_partial, refused_status, render_page, seen_new

LIST = "dashboard/customers/list.html"
DETAIL = "dashboard/customers/detail.html"
NEW = "dashboard/customers/new.html"
PANELS = {"orders": customer_orders_page, "tickets": customer_tickets_page}


@require_GET
@store_view(Perm.VIEW)
def customer_list(request, store):
    seen_new(request, store, "customers")
    form = CustomerFilterForm(request.GET)
    cursor = clean_cursor(request)
    page, error = attempt(customer_list_page, store=store, params=form.upstream_params(), cursor=cursor)
    context = {
        "store": store,
        "form": form,
        "page": page,
        "error": error,
        "chips": form.chips(request.GET),
        "cursor": cursor,
    }
    return render_page(request, LIST, context, partial=list_partial(request, prefix="customer"))


def _customer_context(store, customer_id: int, **extra) -> dict:
    customer, error = attempt(customer_get, store=store, customer_id=customer_id)
    if isinstance(error, NotFound):
        raise Http404("No such customer in this store.")
    notes, notes_error = (
        attempt(customer_notes_page, store=store, customer_id=customer_id) if customer else (None, None)
    )
    context = {
        "store": store,
        "customer_id": customer_id,
        "customer": customer,
        "error": error,
        "notes": notes,
        "notes_error": notes_error,
        "note_form": NoteForm(),
    }
    context.update(extra)
    return context


@require_GET
@store_view(Perm.VIEW)
def customer_detail(request, store, customer_id):
    """The customer; their orders and tickets load as panels after the page
    (`?panel=orders`, `?panel=tickets`, each with its own "Load more")."""
    panel = request.GET.get("panel")
    extra = {}
    if panel in PANELS:
        cursor = clean_cursor(request)
        page, error = attempt(PANELS[panel], store=store, customer_id=customer_id, cursor=cursor)
        extra = {f"{panel}_page": page, f"{panel}_error": error, f"{panel}_loaded": True, "cursor": cursor}
        if is_partial(request):
            customer, _ = attempt(customer_get, store=store, customer_id=customer_id)  # cached by the page
            context = {"store": store, "customer_id": customer_id, "customer": customer, **extra}
            return render_page(request, DETAIL, context, partial=f"{panel}_rows" if cursor else panel)
    context = _customer_context(store, customer_id, **extra)
    return render_page(request, DETAIL, context)


@require_POST
@store_view(Perm.ADD_NOTES)
def customer_note_add_view(request, store, customer_id):
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            customer_note_add(
                operator=request.user, store=store, customer_id=customer_id, message=form.cleaned_data["message"]
            )
        except NotFound:
            raise Http404("No such customer in this store.") from None
        except StoreAPIError as error:
            add_store_errors(form, error)
        else:
            if not is_partial(request):
                messages.success(request, "Note added.")
                return redirect(
                    reverse("customer_detail", kwargs={"store": store.subdomain, "customer_id": customer_id})
                )
            notes, notes_error = attempt(customer_notes_page, store=store, customer_id=customer_id)
            context = {
                "store": store,
                "customer_id": customer_id,
                "notes": notes,
                "notes_error": notes_error,
                "note_form": NoteForm(),
                "flash": "Note added.",
                "flash_for": "notes",
            }
            return render_page(request, DETAIL, context, partial="notes")
    return render_page(request, DETAIL, _customer_context(store, customer_id, note_form=form), partial="notes")


@require_http_methods(["GET", "POST"])
@store_view(Perm.CREATE_CUSTOMERS)
def customer_new(request, store):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(operator=request.user, store=store, data=form.api_data())
        except StoreAPIError as error:
            add_store_errors(form, error)
        else:
            messages.success(request, f"Customer {customer.get('email')} created.")
            url = reverse("customer_detail", kwargs={"store": store.subdomain, "customer_id": customer["id"]})
            return HttpResponseClientRedirect(url) if is_partial(request) else redirect(url)
    status = refused_status(request) if request.method == "POST" else 200
    return render_page(request, NEW, {"store": store, "form": form}, partial="form", status=status)
