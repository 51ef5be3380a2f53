"""The new-order page's state, rebuilt from its POST on every action, and the money it
adds up.

The page is one form that round-trips its whole state (customer, lines, addresses,
payment), so it works without JavaScript. `order_page_load` reads that state back
after an action (`pick:<id>`, `add:<id>`, `remove:<id>`, `clear`, ... see
`dashboard.views.phone_orders`), asking the store for what it shows: the customer,
each line's product, the shipping methods. `order_page_draft` turns a valid page into
the order to place. Store errors are kept on the page, next to what they concern.

    page = order_page_load(store=store, data=request.POST, action="add:42")
    page.items_total, page.estimated_total        # Decimal, or None while a price is unknown
    draft = order_page_draft(page)                # None: the errors are on page.form
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms

from storeapi.errors import NotFound, StoreAPIError

from .forms.customers import CustomerForm
from .forms.phone_orders import AddressForm, OrderForm, new_key, parse_lines, saved_address
from .models import PhoneOrder
from .selectors import attempt
from .selectors.catalogue import Variant, product_search, shipping_methods, variant_get
from .selectors.customers import customer_get
from .selectors.phone_orders import customer_search
from .services.phone_orders import OrderDraft


@dataclass
class Line:
    variant_id: int
    quantity: int
    variant: Variant | None = None
    error: str = ""

    @property
    def total(self) -> Decimal | None:
        if self.variant is None or self.variant.price is None:
            return None
        return self.variant.price * self.quantity

    @property
    def short_of_stock(self) -> bool:
        return self.variant is not None and self.variant.stock is not None and self.quantity > self.variant.stock


@dataclass
class OrderPage:
    """Everything the new-order page shows, rebuilt from the POST on every action."""

    store: object
    form: OrderForm
    customer: dict | None = None
    customer_error: StoreAPIError | None = None
    lines: list[Line] = field(default_factory=list)
    line_errors: list[str] = field(default_factory=list)
    methods: list = field(default_factory=list)
    methods_error: StoreAPIError | None = None
    customer_query: str = ""
    customer_results: list | None = None
    customer_results_error: StoreAPIError | None = None
    product_query: str = ""
    product_results: list | None = None
    product_results_error: StoreAPIError | None = None
    new_customer_form: CustomerForm | None = None
    ship_form: AddressForm | None = None
    bill_form: AddressForm | None = None
    # Another submission of this form is being placed; or what became of one that was
    # not placed (the `placing` action).
    in_progress: bool = False
    first_submission_error: str = ""

    @property
    def addresses(self) -> list[dict]:
        return [a for a in (self.customer or {}).get("addresses") or [] if isinstance(a, dict)]

    @property
    def method(self):
        code = self.form["shipping_code"].value() or (self.methods[0].code if self.methods else "")
        return next((m for m in self.methods if m.code == code), None)

    @property
    def items_total(self) -> Decimal | None:
        totals = [line.total for line in self.lines]
        if not totals or any(t is None for t in totals):
            return None
        return sum(totals, Decimal("0"))

    @property
    def estimated_total(self) -> Decimal | None:
        items, method = self.items_total, self.method
        if items is None:
            return None
        return items + (method.price if method is not None and method.price is not None else Decimal("0"))


def _posted(data, form_class, prefix: str | None = None) -> dict:
    """A form's values from the POST, as `initial`: an action that is not "place" shows
    what was typed without judging it yet."""
    values = {}
    shown = data.getlist("shown")
    for name, form_field in form_class.base_fields.items():
        key = f"{prefix}-{name}" if prefix else name
        if isinstance(form_field, forms.BooleanField):
            # An unchecked box sends nothing: it counts only where the page showed it.
            if key in shown:
                values[name] = key in data
        elif key in data:
            values[name] = data.get(key)
    return values


def _address_form(data, prefix: str, customer: dict | None, *, bind: bool) -> AddressForm:
    initial = {}
    if customer:
        initial = {
            "first_name": customer.get("first_name") or "",
            "last_name": customer.get("last_name") or "",
            "phone_number": customer.get("phone_number") or "",
        }
    if data is None:
        return AddressForm(prefix=prefix, initial=initial)
    if bind:
        return AddressForm(data, prefix=prefix, initial=initial)
    posted = {k: v for k, v in _posted(data, AddressForm, prefix).items() if v not in ("", None)}
    return AddressForm(prefix=prefix, initial={**initial, **posted})


def order_page_load(*, store, data, action: str) -> OrderPage:
    """The page's state from the POST `data` (None: an empty order, for a GET), after `action`."""
    bind = action == "place"
    methods, methods_error = attempt(shipping_methods, store=store)
    methods = methods or []
    key = _uuid(data.get("key")) if data is not None else None
    key = key or new_key()
    customer, customer_error = None, None
    customer_id = _int(data.get("customer_id")) if data is not None else None
    if action.startswith("pick:"):
        customer_id = _int(action[5:])
    elif action == "clear":
        customer_id = None
    if customer_id:
        customer, customer_error = attempt(customer_get, store=store, customer_id=customer_id)
        if isinstance(customer_error, NotFound):
            customer, customer_error, customer_id = None, None, None
    addresses = [a for a in (customer or {}).get("addresses") or [] if isinstance(a, dict)]
    initial = {"key": key, "customer_id": customer_id, "send_receipt": True, "billing_same": True, "payment": "link"}
    if addresses:
        default = next((a for a in addresses if a.get("is_default_for_shipping")), addresses[0])
        initial["shipping_choice"] = initial["billing_choice"] = f"saved:{default.get('id')}"
    else:
        initial["shipping_choice"] = initial["billing_choice"] = "new"
    picked = action.startswith("pick:") or action == "clear"
    if data is not None:
        posted = _posted(data, OrderForm)
        if picked:  # a customer chosen now: their addresses, not the previous choice
            posted.pop("shipping_choice", None)
            posted.pop("billing_choice", None)
        initial.update(posted)
        initial.update(key=key, customer_id=customer_id)
    if bind:
        form_data = data.copy()
        form_data["key"], form_data["customer_id"] = str(key), str(customer_id or "")
        for name in ("billing_same", "send_receipt"):
            if name not in data.getlist("shown") and initial.get(name):
                form_data[name] = "on"
        form = OrderForm(form_data, shipping_methods=methods, addresses=addresses)
    else:
        form = OrderForm(initial=initial, shipping_methods=methods, addresses=addresses)
    page = OrderPage(store=store, form=form, methods=methods, methods_error=methods_error)
    page.customer, page.customer_error = customer, customer_error
    if data is not None:
        pairs, page.line_errors = parse_lines(data)
        if action.startswith("add:") and (added := _int(action[4:])) and added not in dict(pairs):
            pairs = [*pairs, (added, 1)]
        if action.startswith("remove:") and (removed := _int(action[7:])):
            pairs = [(v, q) for v, q in pairs if v != removed]
        for variant_id, quantity in pairs:
            variant, error = attempt(variant_get, store=store, variant_id=variant_id)
            line = Line(variant_id=variant_id, quantity=quantity, variant=variant)
            if isinstance(error, NotFound):
                line.error = "This product no longer exists in the store."
            elif error is not None:
                line.error = error.user_message
            page.lines.append(line)
        page.customer_query = (data.get("customer_q") or "").strip()[:200]
        page.product_query = (data.get("product_q") or "").strip()[:100]
    source = None if picked else data
    ship_new = bind and (data.get("shipping_choice") or "new") == "new"
    bill_new = bind and not form.data.get("billing_same") and (data.get("billing_choice") or "new") == "new"
    page.ship_form = _address_form(source, "ship", customer, bind=ship_new)
    page.bill_form = _address_form(source, "bill", customer, bind=bill_new)
    page.new_customer_form = CustomerForm(data if action == "new_customer" else None, prefix="new")
    return page


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def order_page_search(page: OrderPage, *, customers: bool, products: bool) -> None:
    """Fill in the page's search results (customers only while none is chosen)."""
    store = page.store
    if customers and page.customer_query and not page.customer:
        page.customer_results, page.customer_results_error = attempt(
            customer_search, store=store, query=page.customer_query
        )
    if products and page.product_query:
        page.product_results, page.product_results_error = attempt(
            product_search, store=store, query=page.product_query
        )


def order_page_draft(page: OrderPage) -> OrderDraft | None:
    """The order to place, or None with the errors shown on the page."""
    form = page.form
    valid = form.is_valid()
    if not page.customer:
        form.add_error(None, "Choose the customer first.")
        valid = False
    if not page.lines:
        form.add_error(None, "Add at least one product.")
        valid = False
    if page.line_errors or any(line.error for line in page.lines):
        form.add_error(None, "Some items need attention.")
        valid = False
    if not page.methods and page.methods_error is None:
        form.add_error(None, "The store has no shipping methods.")
        valid = False
    shipping = billing = None
    if valid:
        shipping = _chosen_address(page, form.cleaned_data.get("shipping_choice") or "new", page.ship_form)
        if not form.cleaned_data.get("billing_same"):
            billing = _chosen_address(page, form.cleaned_data.get("billing_choice") or "new", page.bill_form)
            if billing is None:
                valid = False
        if shipping is None:
            valid = False
    if not valid:
        return None
    data = form.cleaned_data
    method = page.method
    return OrderDraft(
        customer=page.customer,
        lines=[(line.variant_id, line.quantity) for line in page.lines],
        shipping_code=method.code if method else "",
        shipping_address=shipping,
        billing_address=billing,
        payment=data["payment"],
        tags=data["tags"],
        external_method=data.get("external_method") or "" if data["payment"] == PhoneOrder.Payment.EXTERNAL else "",
        external_reference=data.get("external_reference") or ""
        if data["payment"] == PhoneOrder.Payment.EXTERNAL
        else "",
        send_receipt=data["send_receipt"],
        estimated_total=page.estimated_total,
    )


def _chosen_address(page: OrderPage, choice: str, address_form: AddressForm) -> dict | None:
    if choice.startswith("saved:"):
        wanted = choice[6:]
        found = next((a for a in page.addresses if str(a.get("id")) == wanted), None)
        if found is not None:
            return saved_address(found)
        page.form.add_error(None, "That saved address is no longer the customer's: choose again.")
        return None
    if address_form.is_valid():
        return address_form.api_data()
    return None
