"""Support tickets of one store: the inbox and a ticket's page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from storeapi.access import store_view
from storeapi.errors import NotFound, StoreAPIError
from storeapi.roles import Perm

from ..forms.filters import TICKET_STATUSES, TicketFilterForm
from ..forms.tickets import TicketPropertiesForm, TicketReplyForm
from ..selectors import attempt
from ..selectors.customers import customer_get
from ..selectors.orders import order_get
from ..selectors.overview import ticket_tab_counts
from ..selectors.tickets import ticket_get, ticket_list_page, ticket_types_list
from ..services.tickets import ticket_reply, ticket_update
from .common import add_store_errors, clean_cursor, is_partial, list_partial, render_page, seen_new

LIST = "dashboard/tickets/list.html"
DETAIL = "dashboard/tickets/detail.html"


def _tabs(request, form) -> list[dict]:
    current = form.valid_data().get("status") or ""
    tabs = [{"status": "", "label": "All"}]
    tabs += [{"status": s, "label": s.capitalize(), "counted": True} for s in TICKET_STATUSES]
    for tab in tabs:
        query = request.GET.copy()
        query.pop("cursor", None)
        query.pop("panel", None)
        if tab["status"]:
            query["status"] = tab["status"]
        else:
            query.pop("status", None)
        tab["query"] = f"?{query.urlencode()}" if query else "?"
        tab["active"] = tab["status"] == current
    return tabs


def _label_types(tickets: list[dict], types: list[dict]) -> None:
    names = {t["id"]: t.get("name") for t in types}
    for ticket in tickets:
        if isinstance(ticket, dict):
            ticket["type_name"] = names.get(ticket.get("ticket_type"))


@require_GET
@store_view(Perm.VIEW)
def ticket_list(request, store):
    """The inbox. Tab counts (whole store) are counted once for the team: the page has
    them when they are counted already (without JavaScript too); otherwise a separate
    request (`?panel=counts`, a link without JavaScript) counts them after the page has
    shown, so that the page costs one request to the store."""
    if request.GET.get("panel") == "counts":
        counts, counts_error = attempt(ticket_tab_counts, store=store)
        if is_partial(request):
            return render_page(
                request, LIST, {"store": store, "counts": counts, "counts_error": counts_error}, partial="counts"
            )
    elif not is_partial(request):
        counts, counts_error = attempt(ticket_tab_counts, store=store, only_cached=True)
    else:
        counts, counts_error = None, None
    seen_new(request, store, "tickets")
    types = ticket_types_list(store=store)
    form = TicketFilterForm(request.GET, ticket_types=types)
    cursor = clean_cursor(request)
    page, error = attempt(ticket_list_page, store=store, params=form.upstream_params(), cursor=cursor)
    if page is not None:
        _label_types(page.results, types)
    context = {
        "store": store,
        "form": form,
        "page": page,
        "error": error,
        "chips": form.chips(request.GET),
        "cursor": cursor,
        "tabs": _tabs(request, form),
        "counts": counts,
        "counts_error": counts_error,
    }
    return render_page(request, LIST, context, partial=list_partial(request, prefix="ticket"))


def _ticket_or_404(store, ticket_id, *, fresh=False):
    ticket, error = attempt(ticket_get, store=store, ticket_id=ticket_id, fresh=fresh)
    if isinstance(error, NotFound):
        raise Http404("No such ticket in this store.")
    return ticket, error


def _detail_context(store, ticket_id, ticket, error, **extra) -> dict:
    context = {
        "store": store,
        "ticket_id": ticket_id,
        "ticket": ticket,
        "error": error,
        "reply_form": TicketReplyForm(),
        "properties_form": TicketPropertiesForm(initial=TicketPropertiesForm.initial_from(ticket)) if ticket else None,
    }
    if ticket:
        _label_types([ticket], ticket_types_list(store=store))
    context.update(extra)
    return context


def _sidebar(store, ticket) -> dict:
    """The requester and the linked order (two cached reads), for the sidebar."""
    context = {"sidebar_loaded": True}
    if ticket:
        if ticket.get("requester"):
            context["requester"], context["requester_error"] = attempt(
                customer_get, store=store, customer_id=ticket["requester"]
            )
        if ticket.get("order"):
            context["order"], context["order_error"] = attempt(order_get, store=store, number=str(ticket["order"]))
    return context


@require_GET
@store_view(Perm.VIEW)
def ticket_detail(request, store, ticket_id):
    """The thread first; the sidebar (requester, order) loads after it (`?panel=sidebar`)."""
    ticket, error = _ticket_or_404(store, ticket_id)
    if request.GET.get("panel") == "sidebar":
        sidebar = _sidebar(store, ticket)
        if is_partial(request):
            context = {"store": store, "ticket_id": ticket_id, "ticket": ticket, "error": error, **sidebar}
            return render_page(request, DETAIL, context, partial="sidebar")
        return render_page(request, DETAIL, _detail_context(store, ticket_id, ticket, error, **sidebar))
    return render_page(request, DETAIL, _detail_context(store, ticket_id, ticket, error))


def _detail_url(store, ticket_id) -> str:
    return reverse("ticket_detail", kwargs={"store": store.subdomain, "ticket_id": ticket_id})


@require_POST
@store_view(Perm.REPLY_TICKETS)
def ticket_reply_view(request, store, ticket_id):
    form = TicketReplyForm(request.POST)
    if form.is_valid():
        try:
            updated = ticket_reply(
                operator=request.user,
                store=store,
                ticket_id=ticket_id,
                body=form.cleaned_data["body"],
                is_public=form.is_public,
            )
        except NotFound:
            raise Http404("No such ticket in this store.") from None
        except StoreAPIError as error:
            add_store_errors(form, error)
        else:
            done = "Reply sent." if form.is_public else "Internal note added."
            if not is_partial(request):
                messages.success(request, done)
                return redirect(_detail_url(store, ticket_id))
            if not isinstance(updated, dict) or "comments" not in updated:
                updated, _ = _ticket_or_404(store, ticket_id, fresh=True)
            context = _detail_context(store, ticket_id, updated, None, flash=done)
            return render_page(request, DETAIL, context, partial="thread")
    ticket, error = _ticket_or_404(store, ticket_id)
    context = _detail_context(store, ticket_id, ticket, error, reply_form=form)
    return render_page(request, DETAIL, context, partial="thread")


@require_POST
@store_view(Perm.UPDATE_TICKETS)
def ticket_update_view(request, store, ticket_id):
    """Status, priority, assignee and tags, changed in place. Only what differs from the
    ticket as the store has it now is sent (and audited)."""
    ticket, error = _ticket_or_404(store, ticket_id, fresh=True)
    form = TicketPropertiesForm(request.POST)
    flash = ""
    if ticket is None:
        add_store_errors(form, error)
    elif form.is_valid():
        try:
            ticket, changes = ticket_update(
                operator=request.user, store=store, ticket_id=ticket_id, before=ticket, values=form.cleaned_data
            )
        except StoreAPIError as store_error:
            add_store_errors(form, store_error)
        else:
            flash = "Saved." if changes else "Nothing changed."
            if not is_partial(request):
                messages.success(request, flash)
                return redirect(_detail_url(store, ticket_id))
            form = TicketPropertiesForm(initial=TicketPropertiesForm.initial_from(ticket))
    context = _detail_context(store, ticket_id, ticket, None, properties_form=form, properties_flash=flash)
    return render_page(request, DETAIL, context, partial="properties")
