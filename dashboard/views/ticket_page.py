"""A ticket's page, shared by the views that answer on it: the ticket's own (views/tickets.py)
and the macros applied to it (views/macros.py). Its context, its sidebar and its URL."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from storeapi.errors import NotFound

from ..forms.tickets import TicketPropertiesForm, TicketReplyForm
from ..selectors import attempt
from ..selectors.customers import customer_get
from ..selectors.orders import order_get
from ..selectors.tickets import (
    staff_name,
    ticket_comment_authors,
    ticket_get,
    ticket_labels,
    tickets_label_assignees,
    tickets_label_types,
)

DETAIL = "dashboard/tickets/detail.html"


def ticket_or_404(store, ticket_id, *, fresh=False):
    ticket, error = attempt(ticket_get, store=store, ticket_id=ticket_id, fresh=fresh)
    if isinstance(error, NotFound):
        raise Http404("No such ticket in this store.")
    return ticket, error


def ticket_page_context(store, ticket_id, ticket, error, *, staff=None, **extra) -> dict:
    context = {
        "store": store,
        "ticket_id": ticket_id,
        "ticket": ticket,
        "error": error,
        "reply_form": TicketReplyForm(),
        "properties_form": TicketPropertiesForm(initial=TicketPropertiesForm.initial_from(ticket)) if ticket else None,
    }
    context.update(extra)
    if ticket:
        types, store_staff = ticket_labels(store=store)
        tickets_label_types(tickets=[ticket], types=types)
        staff = staff if staff is not None else store_staff
        _label_people(store, ticket, staff)
        if context["properties_form"] is not None:
            context["properties_form"].fields["assignee"].offer_staff(staff, current=ticket.get("assignee"))
    return context


def _label_people(store, ticket: dict, staff) -> None:
    """Names instead of ids: the assignee, and each comment's author: the operator who
    wrote it through Storedesk ("Ana · via Storedesk"), the store user who wrote it at
    the store, or the customer's address."""
    tickets_label_assignees([ticket], staff)
    comments = [c for c in ticket.get("comments") or [] if isinstance(c, dict)]
    operators = ticket_comment_authors(store=store, ticket_id=ticket.get("id"))
    for comment in comments:
        operator = operators.get(str(comment.get("id")))
        if operator:
            comment["author_name"], comment["via_storedesk"] = operator, True
        elif comment.get("author"):
            comment["author_name"] = staff_name(staff, comment["author"])
        else:
            comment["author_name"] = comment.get("from_email") or "The store"


def ticket_sidebar(store, ticket) -> dict:
    """The requester and the linked order (two cached reads), for the sidebar. `order`
    is always set: the sidebar's product links look in it (a filter's argument must exist)."""
    context = {"sidebar_loaded": True, "order": None}
    if ticket:
        if ticket.get("requester"):
            context["requester"], context["requester_error"] = attempt(
                customer_get, store=store, customer_id=ticket["requester"]
            )
        if ticket.get("order"):
            context["order"], context["order_error"] = attempt(order_get, store=store, number=str(ticket["order"]))
    return context


def ticket_page_url(store, ticket_id) -> str:
    return reverse("ticket_detail", kwargs={"store": store.subdomain, "ticket_id": ticket_id})
