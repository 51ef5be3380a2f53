"""The new-order page (orders taken by phone or e-mail) and its payment-link panel on
the order page.

The new-order page is one form that round-trips its whole state (customer, lines,
addresses, payment) on every action, so it works without JavaScript; with htmx each
action swaps only the part it changed. The state is rebuilt by `dashboard.new_order_page`.
The actions are an explicit allow-list:

    search        find customers and products (the default action: Enter in any box)
    pick:<id>     choose this customer            clear        choose another customer
    new_customer  create the customer from the inline form and choose them
    add:<id>      add this product (variant)      remove:<id>  remove its line
    recalc        quantities or shipping changed  place        create the order
    placing       what became of this form's order (polled while another submission
                  of it is being placed; never sends anything to the store)
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from storeapi.access import store_view
from storeapi.errors import StoreAPIError
from storeapi.roles import Perm

from ..models import PhoneOrder
from ..new_order_page import OrderPage, order_page_draft, order_page_load, order_page_search
from ..selectors.phone_orders import phone_order_by_key, phone_order_for
from ..services.customers import customer_create
from ..services.phone_orders import (
    NoPaymentLinkToSend,
    PhoneOrderInProgress,
    PhoneOrderKeyConflict,
    phone_order_being_placed,
    phone_order_link_email,
    phone_order_payment_verify,
    phone_order_place,
)
from .common import add_store_errors, htmx_target, is_partial, refused_status, render_page
from .orders import order_url

ORDER_NEW = "dashboard/orders/new.html"
PAYMENT_PANEL = "dashboard/orders/payment_panel.html"
ACCEPTED = 202
ACTIONS = ("search", "pick", "clear", "new_customer", "add", "remove", "recalc", "place", "placing")


def _context(page: OrderPage, **extra) -> dict:
    new_url = reverse("order_new", kwargs={"store": page.store.subdomain})
    return {"store": page.store, "page": page, "form": page.form, "new_url": new_url, **extra}


@require_http_methods(["GET", "POST"])
@store_view(Perm.CREATE_ORDERS)
def order_new(request, store):
    """The new-order page (see the module's docstring for its actions)."""
    action = request.POST.get("action", "search") if request.method == "POST" else ""
    verb = action.split(":", 1)[0]
    if request.method == "POST" and verb not in ACTIONS:
        return HttpResponseBadRequest("Unknown action.")
    page = order_page_load(store=store, data=request.POST if request.method == "POST" else None, action=action)
    partial = None
    status = 200

    if verb == "new_customer":
        if not request.membership.allows(Perm.CREATE_CUSTOMERS):
            raise PermissionDenied("Your role in this store does not allow new customers.")
        form = page.new_customer_form
        if form.is_valid():
            try:
                customer = customer_create(operator=request.user, store=store, data=form.api_data())
            except StoreAPIError as error:
                add_store_errors(form, error)
                status = refused_status(request)
            else:
                page = order_page_load(store=store, data=request.POST, action=f"pick:{customer['id']}")
        else:
            status = refused_status(request)
        partial = "customer"
    elif verb == "place":
        draft = order_page_draft(page)
        if draft is not None:
            try:
                phone_order = phone_order_place(
                    operator=request.user, store=store, key=page.form.cleaned_data["key"], draft=draft
                )
            except PhoneOrderKeyConflict:
                return HttpResponseBadRequest("This form belongs to another order. Reload the page.")
            except PhoneOrderInProgress:
                page.in_progress = True
            except StoreAPIError as error:
                add_store_errors(page.form, error)
            else:
                return _order_created(request, phone_order)
        # Being placed by another submission is not a refusal: accepted, not done yet.
        status = ACCEPTED if page.in_progress else refused_status(request)
        partial = "form"
    elif verb == "placing":
        phone_order = phone_order_by_key(operator=request.user, store=store, key=request.POST.get("key"))
        if phone_order is not None and phone_order.state == PhoneOrder.State.CREATED:
            return _order_created(request, phone_order)
        _first_submission_state(page, phone_order)
        status = ACCEPTED if page.in_progress else 200
        partial = "form"
    elif verb in ("pick", "clear"):
        partial = "customer"
    elif verb in ("add", "remove", "recalc"):
        partial = "lines"
    else:
        order_page_search(page, customers=True, products=True)
        partial = {"customer-results": "customer_results", "product-results": "product_results"}.get(
            htmx_target(request), "form"
        )
    # Focus moves to the customer just chosen; otherwise it stays where the operator is.
    focus = "customer" if verb in ("pick", "new_customer") and page.customer else ""
    # A poll of the first submission's state leaves the focus where it is.
    polled = verb == "placing" and is_partial(request)
    context = _context(page, focus=focus, polled=polled)
    return render_page(request, ORDER_NEW, context, partial=partial, status=status)


def _order_created(request, phone_order: PhoneOrder):
    """The new order's page (through htmx: the whole page goes there)."""
    url = order_url(phone_order.store, phone_order.order_number)
    messages.success(
        request,
        f"Order #{phone_order.order_number} created"
        + (": send the customer the payment link." if phone_order.payment_url else "."),
    )
    return HttpResponseClientRedirect(url) if is_partial(request) else redirect(url)


def _first_submission_state(page: OrderPage, phone_order: PhoneOrder | None) -> None:
    """What the page says of a submission that has not created its order (yet)."""
    if phone_order is None:
        return  # never submitted: the form as it is
    if phone_order_being_placed(phone_order):
        page.in_progress = True
    elif phone_order.state == PhoneOrder.State.REFUSED:
        page.first_submission_error = (
            f"The store refused this order: {phone_order.error} Press Place order to send it again."
        )
    else:
        page.first_submission_error = (
            "The store did not answer when this order was sent. Press Place order: Storedesk first looks "
            "for the order in the store, and sends it again only if it is not there."
        )


# --- the payment link on the order page -------------------------------------------------------------


def _phone_order_or_404(store, number) -> PhoneOrder:
    phone_order = phone_order_for(store=store, number=number)
    if phone_order is None:
        raise Http404("Storedesk did not create this order.")
    return phone_order


def _payment_panel(request, store, phone_order, *, flash: str = "", error=None, status: int = 200):
    context = {"store": store, "phone_order": phone_order, "payment_flash": flash, "payment_error": error}
    return render_page(request, PAYMENT_PANEL, context, status=status)


@require_GET
@store_view(Perm.VIEW)
def order_payment(request, store, number):
    """The order page's payment-link panel, polled (htmx) while the buyer has not paid.
    When the payment has ended since, the whole order page is loaded again (its status,
    outstanding amount and transactions changed too)."""
    phone_order = _phone_order_or_404(store, number)
    if is_partial(request) and phone_order.payment_ended:
        return HttpResponseClientRefresh()
    return _payment_panel(request, store, phone_order)


@require_POST
@store_view(Perm.CREATE_ORDERS)
def order_payment_check(request, store, number):
    """Ask the store now how the payment stands (never trusting anything else)."""
    phone_order = _phone_order_or_404(store, number)
    try:
        changed = phone_order_payment_verify(phone_order=phone_order, source="operator", operator=request.user)
    except StoreAPIError as error:
        if not is_partial(request):
            messages.error(request, error.user_message)
            return redirect(order_url(store, number))
        return _payment_panel(request, store, phone_order, error=error)
    flash = f"The store says: {phone_order.get_payment_status_display().lower()}." if changed else "No change yet."
    if not is_partial(request):
        messages.info(request, flash)
        return redirect(order_url(store, number))
    return _payment_panel(request, store, phone_order, flash=flash)


@require_POST
@store_view(Perm.CREATE_ORDERS)
def order_payment_email(request, store, number):
    """E-mail the payment link to the buyer."""
    phone_order = _phone_order_or_404(store, number)
    try:
        phone_order_link_email(operator=request.user, phone_order=phone_order)
    except NoPaymentLinkToSend as error:
        return HttpResponseBadRequest(str(error))
    phone_order.refresh_from_db()
    flash = f"Payment link sent to {phone_order.customer_email}."
    if not is_partial(request):
        messages.success(request, flash)
        return redirect(order_url(store, number))
    return _payment_panel(request, store, phone_order, flash=flash)
