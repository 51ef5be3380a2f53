"""Orders of one store: the list, an order, and what operators do to it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from storeapi.access import store_view
from storeapi.errors import NotFound, StoreAPIError
from storeapi.roles import Perm

from ..formatting import format_money
from ..forms.filters import OrderFilterForm
from ..forms.jobs import BulkOrdersForm
from ..forms.notes import NoteForm
from ..forms.orders import CancelOrderForm, RefundForm, TagForm
from ..selectors import attempt
from ..selectors.orders import (
    order_actions,
    order_get,
    order_list_page,
    order_notes_page,
    order_receipt,
    order_tickets_page,
)
from ..selectors.phone_orders import phone_order_for
from ..services.orders import (
    RefundAmountChanged,
    RefundInProgress,
    RefundKeyConflict,
    RefundOutcomeUnknown,
    RefundResult,
    order_cancel,
    order_note_add,
    order_refund,
    order_refund_calculate,
    order_tag_add,
    order_tag_remove,
    refund_amount,
)
from .bulk_drafts import bulk_form_context
from .common import (
    add_store_errors,
    clean_cursor,
    is_partial,
    list_partial,
    render_page,
    seen_new,
    target_partial,
)
from .saved_views import list_state, saved_views_context

LIST = "dashboard/orders/list.html"
DETAIL = "dashboard/orders/detail.html"
CANCEL = "dashboard/orders/cancel.html"
REFUND = "dashboard/orders/refund.html"
NOTES_CARD = "includes/notes_card.html"


def order_url(store, number) -> str:
    """The order's page (also where the phone-order views send the operator back)."""
    return reverse("order_detail", kwargs={"store": store.subdomain, "number": number})


@require_GET
@store_view(Perm.VIEW)
def order_list(request, store):
    state = list_state(request, kind="orders", store=store)
    if state.redirect:
        return state.redirect
    seen_new(request, store, "orders")
    form = OrderFilterForm(state.data)
    cursor = clean_cursor(request)
    page, error = attempt(order_list_page, store=store, params=form.upstream_params(), cursor=cursor)
    context = {
        "store": store,
        "form": form,
        "page": page,
        "error": error,
        "chips": form.chips(state.data),
        "cursor": cursor,
        **saved_views_context(request, state=state, kind="orders", store=store, form=form),
    }
    if request.membership.allows(Perm.BULK_ORDERS):
        context.update(
            bulk_form_context(request, store=store, kind="orders", form_class=BulkOrdersForm, page=page, key="number")
        )
    return render_page(request, LIST, context, partial=list_partial(request, prefix="order"))


def _order_context(store, number: str, **extra) -> dict:
    """Everything the order page shows above the lazy panels (two cached reads)."""
    order, error = attempt(order_get, store=store, number=number)
    if isinstance(error, NotFound):
        raise Http404("No such order in this store.")
    notes, notes_error = (None, None)
    if order is not None:
        notes, notes_error = attempt(order_notes_page, store=store, number=number)
    context = {
        "store": store,
        "number": number,
        "order": order,
        "error": error,
        # The totals as a receipt, and the actions the store would take (selectors.orders).
        "receipt": order_receipt(order) if isinstance(order, dict) else None,
        "actions": order_actions(order) if isinstance(order, dict) else None,
        "notes": notes,
        "notes_error": notes_error,
        "note_form": NoteForm(),
        "tag_form": TagForm(),
        # The payment link of an order placed by phone (phone_orders.py), if any.
        "phone_order": phone_order_for(store=store, number=number),
    }
    context.update(extra)
    return context


@require_GET
@store_view(Perm.VIEW)
def order_detail(request, store, number):
    panel = request.GET.get("panel")
    if panel == "tickets":
        tickets, tickets_error = attempt(order_tickets_page, store=store, number=number)
        extra = {"tickets": tickets, "tickets_error": tickets_error, "tickets_loaded": True}
        if is_partial(request):
            return render_page(request, DETAIL, {"store": store, "number": number, **extra}, partial="tickets")
    else:
        extra = {}
    notes_cursor = clean_cursor(request)
    if notes_cursor and is_partial(request):
        notes, notes_error = attempt(order_notes_page, store=store, number=number, cursor=notes_cursor)
        context = {
            "store": store,
            "number": number,
            "notes": notes,
            "notes_error": notes_error,
            "notes_base": order_url(store, number),
        }
        return render_page(request, NOTES_CARD, context, partial="note_rows")
    context = _order_context(store, number, **extra)
    return render_page(request, DETAIL, context, partial=target_partial(request, prefix="order", allowed=("body",)))


def _after_change(request, store, number, message: str, partial: str, *, order: dict | None = None):
    """A change succeeded: the refreshed part in place (htmx), or back to the order.

    In place, only what that part shows is read again: the notes after a note, nothing
    after a tag change (the store answered with the order)."""
    if not is_partial(request):
        messages.success(request, message)
        return redirect(order_url(store, number))
    context = {"store": store, "number": number, "flash": message, "flash_for": partial}
    if partial == "notes":
        context["notes"], context["notes_error"] = attempt(order_notes_page, store=store, number=number)
        context["note_form"] = NoteForm()
    elif isinstance(order, dict) and "tags" in order:
        context.update(order=order, tag_form=TagForm())
    else:
        context = _order_context(store, number, flash=message, flash_for=partial)
    return render_page(request, DETAIL, context, partial=partial)


@require_POST
@store_view(Perm.ADD_NOTES)
def order_note_add_view(request, store, number):
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            order_note_add(operator=request.user, store=store, number=number, message=form.cleaned_data["message"])
        except NotFound:
            raise Http404("No such order in this store.") from None
        except StoreAPIError as error:
            add_store_errors(form, error)
        else:
            return _after_change(request, store, number, "Note added.", "notes")
    context = _order_context(store, number, note_form=form)
    return render_page(request, DETAIL, context, partial="notes")


def _tag_change(request, store, number, service, done: str):
    form = TagForm(request.POST)
    if form.is_valid():
        tag = form.cleaned_data["tag"]
        try:
            order = service(operator=request.user, store=store, number=number, tag=tag)
        except NotFound:
            raise Http404("No such order in this store.") from None
        except StoreAPIError as error:
            add_store_errors(form, error)
        else:
            return _after_change(request, store, number, done.format(tag=tag), "tags", order=order)
    context = _order_context(store, number, tag_form=form)
    return render_page(request, DETAIL, context, partial="tags")


@require_POST
@store_view(Perm.TAG_ORDERS)
def order_tag_add_view(request, store, number):
    return _tag_change(request, store, number, order_tag_add, "Tag “{tag}” added.")


@require_POST
@store_view(Perm.TAG_ORDERS)
def order_tag_remove_view(request, store, number):
    return _tag_change(request, store, number, order_tag_remove, "Tag “{tag}” removed.")


def _order_or_404(store, number):
    order, error = attempt(order_get, store=store, number=number)
    if isinstance(error, NotFound):
        raise Http404("No such order in this store.")
    return order, error


def _action_done(request, store, number, message: str):
    """Cancel or refund succeeded: the whole order, refreshed, replaces the action form."""
    if is_partial(request):
        context = _order_context(store, number, flash=message, flash_for="body")
        response = render_page(request, DETAIL, context, partial="body")
        return reswap(retarget(response, "#order-body"), "outerHTML")
    messages.success(request, message)
    return redirect(order_url(store, number))


@require_http_methods(["GET", "POST"])
@store_view(Perm.ORDER_ACTIONS)
def order_cancel_view(request, store, number):
    order, error = _order_or_404(store, number)
    actions = order_actions(order) if order is not None else None
    form = CancelOrderForm(request.POST or None, refundable=bool(actions and actions.refund))
    # What the store would refuse is not asked for (a link kept from before the order
    # was fulfilled, or a form posted twice): the page says why, and nothing is sent.
    refused = actions.cancel_refusal if actions else ""
    if request.method == "POST" and order is not None and not refused and form.is_valid():
        try:
            order_cancel(
                operator=request.user,
                store=store,
                number=number,
                reason=form.cleaned_data["cancel_reason"],
                full_refund=form.cleaned_data.get("full_refund", False),
                notify=form.cleaned_data["send_cancel_notification"],
            )
        except NotFound:
            raise Http404("No such order in this store.") from None
        except StoreAPIError as store_error:
            add_store_errors(form, store_error)
        else:
            return _action_done(request, store, number, f"Order #{number} was canceled.")
    context = {"store": store, "number": number, "order": order, "error": error, "form": form, "refused": refused}
    return render_page(request, CANCEL, context, partial="form")


@require_http_methods(["GET", "POST"])
@store_view(Perm.ORDER_ACTIONS)
def order_refund_view(request, store, number):
    """Refund in two steps: calculate (nothing changes), then confirm the amount.

    Each calculation comes with an idempotency key, carried by its confirmation: the
    service refunds once per key, and a second confirmation with it (a double click, a
    colleague's identical form) is answered with the first one's result, or told that
    it is being made (the panel then asks again until it is done). The confirmation also
    carries the amount the operator saw; the service refunds only if the store still
    computes it, and a different amount is shown for a new confirmation.
    """
    order, error = _order_or_404(store, number)
    if order is None:
        return render_page(request, REFUND, {"store": store, "number": number, "error": error}, partial="form")
    actions = order_actions(order)
    form = RefundForm(request.POST or None, order=order, shipping_refundable=actions.shipping_refundable)
    currency = order.get("currency") or store.currency
    context = {
        "store": store,
        "number": number,
        "order": order,
        "form": form,
        "calculation": None,
        "shipping_refundable": actions.shipping_refundable,
        # Shown above the form; the store is still asked (it computes what, if anything,
        # can be refunded), so an order paid since the page was drawn is not refused here.
        "refund_refusal": actions.refund_refusal,
    }
    step = request.POST.get("step", "calculate")
    if request.method == "POST" and step != "edit" and form.is_valid():
        args = {
            "lines": form.lines(),
            "refund_shipping": form.cleaned_data.get("refund_shipping", False),
            "restock": form.cleaned_data["restock_type"],
        }
        try:
            if step == "confirm":
                key = form.cleaned_data.get("idempotency_key")
                if key is None:
                    form.add_error(None, "This confirmation has no key: calculate the refund again.")
                    return render_page(request, REFUND, context, partial="form")
                result = order_refund(
                    operator=request.user,
                    store=store,
                    number=number,
                    key=key,
                    confirmed_amount=form.cleaned_data.get("confirmed_amount"),
                    note=form.cleaned_data["note"],
                    notify=form.cleaned_data["send_refund_notification"],
                    **args,
                )
                return _action_done(request, store, number, _refund_done_message(result))
            calculation = order_refund_calculate(store=store, number=number, **args)
            context.update(
                calculation=calculation, amount=refund_amount(calculation), currency=currency, key=uuid.uuid4()
            )
        except RefundAmountChanged as changed:
            context.update(
                calculation=changed.calculation,
                amount=changed.amount,
                amount_changed=True,
                currency=currency,
                key=uuid.uuid4(),
            )
        except RefundInProgress as in_progress:
            context.update(
                pending=in_progress.refund,
                amount=form.cleaned_data.get("confirmed_amount"),
                key=form.cleaned_data["idempotency_key"],
                currency=currency,
            )
        except (RefundOutcomeUnknown, RefundKeyConflict) as refused:
            form.add_error(None, str(refused))
        except NotFound:
            raise Http404("No such order in this store.") from None
        except StoreAPIError as store_error:
            add_store_errors(form, store_error)
    return render_page(request, REFUND, context, partial="form")


def _refund_done_message(result: RefundResult) -> str:
    refund = result.refund
    amount = format_money(refund.amount, refund.currency)
    if result.made_now:
        return f"Refunded {amount}."
    who = refund.operator_email or "another operator"
    return f"This refund of {amount} was already made (confirmed by {who}). Nothing more was refunded."
