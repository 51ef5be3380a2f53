"""Writes: every change to the store's data goes through one of these, which also emits
the webhook event the platform would send (`order.updated`, `ticket.updated`, ...).
"""

import random
import secrets
from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from . import representations as rep
from . import webhooks
from .models import (
    Customer,
    CustomerNote,
    Order,
    OrderLine,
    OrderNote,
    PaymentSession,
    Product,
    StaffUser,
    StockRecord,
    Store,
    Ticket,
    TicketComment,
    TicketTag,
    Transaction,
)
from .money import ZERO, cents, split_tax
from .order_records import order_address, refund_record, transaction_id, transaction_record, transaction_row
from .shipping import shipping_methods


class Conflict(Exception):
    """A request the current state of the object does not allow (answered 400)."""


class OrderInvalid(Exception):
    """An order or refund the platform refuses with 400 and these DRF field errors."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


# --- events --------------------------------------------------------------------------------


def order_lines(order: Order) -> list[OrderLine]:
    """The order's lines, in the order they were placed, with their products."""
    return list(OrderLine.objects.filter(order=order).select_related("product").order_by("id"))


def order_event(order: Order, event_type: str = "order.updated") -> None:
    webhooks.emit(order.store, event_type, "order", rep.order_repr(order, order_lines(order)))


def customer_event(customer: Customer, event_type: str = "customer.updated") -> None:
    webhooks.emit(customer.store, event_type, "customer", rep.customer_repr(customer))


def ticket_event(ticket: Ticket, event_type: str = "ticket.updated") -> None:
    ticket = Ticket.objects.select_related("order").prefetch_related("comments", "tags").get(id=ticket.id)
    webhooks.emit(ticket.store, event_type, "ticket", rep.ticket_repr(ticket))


def recount_customer(customer_id: int | None) -> None:
    if not customer_id:
        return
    orders = Order.objects.filter(customer_id=customer_id, is_test=False).exclude(status="canceled")
    total = ZERO
    count = 0
    for incl, refunded in orders.values_list("total_incl_tax", "total_refunded"):
        total += incl - refunded
        count += 1
    Customer.objects.filter(id=customer_id).update(orders_count=count, total_spent=total)


# --- orders --------------------------------------------------------------------------------


def order_note_add(*, order: Order, message: str, author: StaffUser | None, app=None) -> OrderNote:
    now = timezone.now()
    with transaction.atomic():
        note = OrderNote.objects.create(
            order=order, author=author, app=app, message=message, date_created=now, date_updated=now
        )
        Order.objects.filter(id=order.id).update(updated_at=now)
        order.updated_at = now
        order_event(order)
    return note


def order_update(*, order: Order, tags=None, status=None) -> Order:
    with transaction.atomic():
        if tags is not None:
            order.set_tags(tags)
        if status is not None:
            order.status = status
        order.updated_at = timezone.now()
        order.save(update_fields=["tags", "tags_index", "status", "updated_at"])
        order_event(order)
    return order


def _paid_transactions(order: Order) -> list[dict]:
    return [
        t for t in order.transactions or [] if t.get("type") in ("sale", "capture") and t.get("status") == "succeeded"
    ]


def _refunded_per_transaction(order: Order) -> dict[int, Decimal]:
    refunded: dict[int, Decimal] = {}
    for t in order.transactions or []:
        if t.get("type") == "refund" and t.get("status") == "succeeded":
            parent = t.get("parent_id")
            refunded[parent] = refunded.get(parent, ZERO) + Decimal(t["amount"])
    return refunded


def refundable_transactions(order: Order) -> list[tuple[dict, Decimal]]:
    """(transaction, refundable amount) for each captured payment of the order."""
    refunded = _refunded_per_transaction(order)
    paid = _paid_transactions(order)
    # Refunds seeded without a parent belong to the first payment.
    orphan = refunded.pop(None, ZERO)
    result = []
    for t in paid:
        already = refunded.get(t["id"], ZERO) + orphan
        orphan = ZERO
        result.append((t, max(ZERO, Decimal(t["amount"]) - already)))
    return result


def _apply_refund(order: Order, *, amount: Decimal, parent: dict, lines, shipping, note, user):
    record = refund_record(
        random.Random(),
        store=order.store,
        order=order,
        amount=int(amount * 100),
        when=timezone.now(),
        full=False,
        note=note or "Refund",
    )
    record["lines"] = lines
    record["shipping"] = f"{shipping:.2f}"
    record["user_id"] = user.id if user else 0
    record["transaction"]["parent_id"] = parent["id"]
    record["transaction"]["payment_method"] = parent.get("payment_method")
    record["transaction"]["payment_details"] = parent.get("payment_details")
    order.refunds = [*(order.refunds or []), record]
    order.transactions = [*(order.transactions or []), record["transaction"]]
    order.total_refunded += amount
    paid = sum((Decimal(t["amount"]) for t in _paid_transactions(order)), ZERO)
    order.payment_status = "refunded" if order.total_refunded >= paid else "partially_refunded"
    return record


def order_cancel(*, order: Order, reason: str, full_refund: bool = False, user: StaffUser | None = None) -> Order:
    if order.status == "canceled":
        raise Conflict("This order is already canceled.")
    if order.fulfillment_status in ("fulfilled", "partially_fulfilled"):
        raise Conflict("A fulfilled order cannot be canceled; refund it instead.")
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("store", "customer").get(id=order.id)
        now = timezone.now()
        if order.payment_status == "authorized":
            auth = next((t for t in order.transactions if t.get("type") == "authorization"), None)
            if auth:
                void = transaction_record(
                    random.Random(),
                    store=order.store,
                    tid=auth["id"] + 1,
                    order=order,
                    kind="void",
                    status="succeeded",
                    when=now,
                    amount=order.total_incl_tax,
                )
                void["parent_id"] = auth["id"]
                order.transactions = [*order.transactions, void]
            order.payment_status = "voided"
            order.total_outstanding = ZERO
        elif order.payment_status == "pending":
            order.payment_status = "voided"
            order.total_outstanding = ZERO
        elif full_refund:
            for parent, refundable in refundable_transactions(order):
                if refundable > 0:
                    _apply_refund(
                        order,
                        amount=refundable,
                        parent=parent,
                        lines="all",
                        shipping=order.shipping_excl_tax + order.shipping_tax,
                        note="Order canceled",
                        user=user,
                    )
            OrderLine.objects.filter(order=order).update(refunded_quantity=F("quantity"))
        order.status = "canceled"
        order.cancel_reason = reason
        order.canceled_at = now
        order.updated_at = now
        stock_release(order)
        order.save()
        transactions_sync(order)
        recount_customer(order.customer_id)
        order_event(order)
    return order


def order_refund_calculate(*, order: Order, refund_lines: list[dict], refund_shipping: dict | None) -> dict:
    """What a refund of these lines and shipping would return, as the platform computes it."""
    lines = {line.id: line for line in order_lines(order)}
    currency = order.currency
    result_lines, excl_total, incl_total, tax_total = [], ZERO, ZERO, ZERO
    for item in refund_lines:
        line = lines.get(item["line_id"])
        if line is None:
            raise Conflict(f"Line {item['line_id']} is not part of this order.")
        refundable = line.quantity - line.refunded_quantity
        quantity = min(item["quantity"], refundable)
        excl = line.unit_price_excl_tax * quantity
        tax = line.unit_tax * quantity
        excl_total += excl
        tax_total += tax
        incl_total += excl + tax
        result_lines.append(
            {
                "line_id": line.id,
                "product_id": line.product_id,
                "variant_id": line.product_id,
                "product_title": line.title,
                "variant_title": line.variant_title,
                "product_image": rep._product_image(order.store, line.product.slug),
                "product_url": rep._product_url(order.store, line.product.slug),
                "sku": line.sku,
                "quantity": quantity,
                "refundable_quantity": refundable,
                "restock_type": item.get("restock_type") or "no_restock",
                "amount_excl_tax": rep.money(excl),
                "amount_incl_tax": rep.money(excl + tax),
                "total_tax": rep.money(tax),
            }
        )
    shipping_paid_incl = order.shipping_excl_tax + order.shipping_tax
    refunded_shipping = sum((Decimal(r.get("shipping") or "0") for r in order.refunds or []), ZERO)
    shipping_refundable = max(ZERO, shipping_paid_incl - refunded_shipping)
    shipping_excl = shipping_tax = ZERO
    if refund_shipping:
        if refund_shipping.get("full_refund"):
            shipping_excl, shipping_tax = order.shipping_excl_tax, order.shipping_tax
        elif refund_shipping.get("amount_excl_tax") is not None:
            shipping_excl = min(Decimal(refund_shipping["amount_excl_tax"]), order.shipping_excl_tax)
            rate = order.store.tax_rate
            shipping_tax = (shipping_excl * rate).quantize(Decimal("0.01"))
        if shipping_excl + shipping_tax > shipping_refundable:
            shipping_excl, shipping_tax = ZERO, ZERO
    excl_total += shipping_excl
    tax_total += shipping_tax
    incl_total += shipping_excl + shipping_tax
    remaining = incl_total
    transactions = []
    for t, refundable in refundable_transactions(order):
        share = min(refundable, remaining)
        remaining -= share
        gateway = (t.get("payment_details") or {}).get("gateway") or {}
        transactions.append(
            {
                "id": t["id"],
                "amount": rep.money(share),
                "refundable_amount": rep.money(refundable),
                "gateway_id": gateway.get("id", 0),
                "gateway_name": gateway.get("name", ""),
                "payment_method": t.get("payment_method") or "",
                "type": t.get("type", "sale"),
            }
        )
    return {
        "currency": currency,
        "amount_excl_tax": rep.money(excl_total),
        "amount_incl_tax": rep.money(incl_total),
        "total_tax": rep.money(tax_total),
        "refund_lines": result_lines,
        "refund_shipping": {
            "currency": currency,
            "shipping_method": order.shipping_method,
            "shipping_code": order.shipping_code,
            "amount_excl_tax": rep.money(shipping_excl),
            "amount_incl_tax": rep.money(shipping_excl + shipping_tax),
            "total_tax": rep.money(shipping_tax),
            "refundable_amount": rep.money(shipping_refundable),
        },
        "transactions": transactions,
    }


def order_refund(
    *,
    order: Order,
    transactions: list[dict],
    refund_lines: list[dict],
    refund_shipping: dict | None,
    note: str = "",
    user: StaffUser | None = None,
) -> dict:
    """Refund amounts from the order's payments; return the `Refund` representation."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("store", "customer").get(id=order.id)
        lines = order_lines(order)
        by_id = {line.id: (index, line) for index, line in enumerate(lines)}
        refundable = {t["id"]: (t, amount) for t, amount in refundable_transactions(order)}
        errors = {}
        for position, item in enumerate(transactions):
            if item["id"] not in refundable:
                errors[f"transactions[{position}].id"] = [f"Transaction {item['id']} cannot be refunded."]
            elif item["amount"] > refundable[item["id"]][1]:
                errors[f"transactions[{position}].amount"] = [
                    f"Ensure this value is less than or equal to {refundable[item['id']][1]:.2f}."
                ]
        picked = []
        for position, item in enumerate(refund_lines):
            found = by_id.get(item["line_id"])
            if found is None:
                errors[f"refund_lines[{position}].line_id"] = [f"Line {item['line_id']} is not part of this order."]
                continue
            index, line = found
            if item["quantity"] > line.quantity - line.refunded_quantity:
                errors[f"refund_lines[{position}].quantity"] = ["Quantity exceeds the refundable quantity."]
                continue
            picked.append((index, line, item["quantity"]))
        if errors:
            raise OrderInvalid(errors)
        shipping = ZERO
        if refund_shipping and refund_shipping.get("full_refund"):
            shipping = order.shipping_excl_tax + order.shipping_tax
        elif refund_shipping and refund_shipping.get("amount_excl_tax") is not None:
            shipping = Decimal(refund_shipping["amount_excl_tax"])
        records = []
        for position, item in enumerate(transactions):
            parent = refundable[item["id"]][0]
            records.append(
                _apply_refund(
                    order,
                    amount=item["amount"],
                    parent=parent,
                    lines=[[index, quantity] for index, _, quantity in picked] if position == 0 else [],
                    shipping=shipping if position == 0 else ZERO,
                    note=note,
                    user=user,
                )
            )
        for _, line, quantity in picked:
            line.refunded_quantity += quantity
            line.save(update_fields=["refunded_quantity"])
        order.updated_at = timezone.now()
        order.save()
        transactions_sync(order)
        recount_customer(order.customer_id)
        lines = order_lines(order)
        order_event(order)
    return rep.refund_repr(order, records[0], lines) if records else {}


def order_number_next(store: Store) -> int:
    """The number the store's next order gets (callers hold a transaction)."""
    top = Order.objects.filter(store=store).aggregate(top=Max("number"))["top"]
    return (top or Order.FIRST_NUMBER - 1) + 1


# --- transactions and stock -----------------------------------------------------------------


def transactions_sync(order: Order) -> None:
    """Keep the `Transaction` rows of an order in step with its `transactions` JSON."""
    Transaction.objects.filter(order_id=order.id).delete()
    Transaction.objects.bulk_create(
        [Transaction(**vars(transaction_row(order, record))) for record in order.transactions or []]
    )


def stock_available(product: Product) -> int:
    return sum(r.net_stock_level for r in product.stockrecords.all())


def stock_allocate(order: Order) -> None:
    """Allocate the order's quantities at the locations that have the most (net) stock;
    what no location has is allocated at the first (a backorder)."""
    if order.stock_allocated:
        return
    for line in OrderLine.objects.filter(order=order).select_related("product"):
        if not line.product.track_stock:
            continue
        records = list(StockRecord.objects.select_for_update().filter(product_id=line.product_id).order_by("id"))
        if not records:
            continue
        remaining = line.quantity
        for record in sorted(records, key=lambda r: -r.net_stock_level):
            take = min(max(record.net_stock_level, 0), remaining)
            if take:
                record.num_allocated += take
                remaining -= take
        if remaining:
            records[0].num_allocated += remaining
        now = timezone.now()
        for record in records:
            record.date_updated = now
        StockRecord.objects.bulk_update(records, ["num_allocated", "date_updated"])
    order.stock_allocated = True


def stock_release(order: Order) -> None:
    """Give back what `stock_allocate` took (a canceled order)."""
    if not order.stock_allocated:
        return
    for line in OrderLine.objects.filter(order=order).select_related("product"):
        remaining = line.quantity
        records = StockRecord.objects.select_for_update().filter(product_id=line.product_id, num_allocated__gt=0)
        for record in records.order_by("id"):
            give = min(record.num_allocated, remaining)
            record.num_allocated -= give
            record.date_updated = timezone.now()
            record.save(update_fields=["num_allocated", "date_updated"])
            remaining -= give
            if not remaining:
                break
    order.stock_allocated = False


# --- customers -------------------------------------------------------------------------------


def customer_create(*, store: Store, data: dict) -> Customer:
    """A new customer (`POST /users/`, or a new `user` in `POST /orders/`): customer.created.

    `data` is validated (serializers.CreateUserSerializer), e-mail uniqueness included.
    """
    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.create(
            store=store,
            email=data["email"],
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            phone_number=data.get("phone_number") or None,
            language=data.get("language") or None,
            user_type="customer",
            date_joined=now,
            updated_at=now,
            accepts_marketing=bool(data.get("accepts_marketing")),
            tags=[str(t) for t in data.get("tags") or [] if t],
            ip=data.get("ip"),
            user_agent=data.get("user_agent"),
            metadata=data.get("metadata") or {},
        )
        customer_event(customer, "customer.created")
    return customer


def customer_note_add(*, customer: Customer, message: str, author: StaffUser | None, app=None) -> CustomerNote:
    now = timezone.now()
    with transaction.atomic():
        note = CustomerNote.objects.create(
            customer=customer, author=author, app=app, message=message, created_at=now, updated_at=now
        )
        Customer.objects.filter(id=customer.id).update(updated_at=now)
        customer_event(customer)
    return note


# --- staff -----------------------------------------------------------------------------------


def staff_get_or_create(*, store: Store, email: str) -> StaffUser:
    """The store user with this e-mail; a new owner when there is none (seed_sandbox
    --staff-email, and the control endpoint's staff and session tokens)."""
    existing = StaffUser.objects.filter(store=store, email__iexact=email).first()
    if existing:
        return existing
    local = email.split("@")[0]
    return StaffUser.objects.create_staff(
        store=store, email=email, first_name=local.split(".")[0].title(), last_name="(sandbox)", is_owner=True
    )


# --- tickets ---------------------------------------------------------------------------------


def ticket_update(*, ticket: Ticket, changes: dict, comment: dict | None = None, author=None) -> Ticket:
    with transaction.atomic():
        for field in ("status", "priority", "subject"):
            if field in changes:
                setattr(ticket, field, changes[field])
        if "assignee" in changes:
            ticket.assignee_id = changes["assignee"]
        if "ticket_type" in changes:
            ticket.ticket_type_id = changes["ticket_type"]
        if "products" in changes:
            ticket.products = changes["products"]
        ticket.updated_at = timezone.now()
        ticket.save()
        if "tags" in changes:
            tags = []
            for name in changes["tags"]:
                if name:
                    tag, _ = TicketTag.objects.get_or_create(store=ticket.store, name=name)
                    tags.append(tag)
            ticket.tags.set(tags)
        if comment:
            _add_comment(ticket, comment, author)
        ticket_event(ticket)
    return ticket


def _add_comment(ticket: Ticket, comment: dict, author) -> TicketComment:
    staff = comment.get("author")
    if staff is None and not comment.get("from_email"):
        staff = author.id if author else None
    created = TicketComment.objects.create(
        ticket=ticket,
        author_id=staff,
        from_email=comment.get("from_email"),
        body=comment.get("body"),
        is_public=comment.get("is_public", True),
        created_at=timezone.now(),
    )
    if staff and ticket.status == "new":
        ticket.status = "open"
    ticket.updated_at = created.created_at
    ticket.save(update_fields=["status", "updated_at"])
    return created


def ticket_comment_add(*, ticket: Ticket, comment: dict, author=None) -> TicketComment:
    with transaction.atomic():
        created = _add_comment(ticket, comment, author)
        ticket_event(ticket)
    return created


# --- apps ---------------------------------------------------------------------------------------


def app_uninstall(*, store: Store, application) -> int:
    """Uninstall the app from the store: revoke its tokens and send `app.uninstalled`."""
    from .partner_apps import revoke_store_tokens

    with transaction.atomic():
        revoked = revoke_store_tokens(store, application)
        webhooks.emit(
            store,
            "app.uninstalled",
            "app",
            {
                "client_id": application.client_id,
                "name": application.name,
                "settings": {},
                "version": None,
                "created_at": rep.dt(application.created),
                "updated_at": rep.dt(application.updated),
            },
        )
    return revoked


# --- orders placed through the API ------------------------------------------------------------

REDIRECT_METHODS = {"paypal"}
DIRECT_METHODS = {"card_token", "external"}
# Sandbox card tokens: these succeed or are declined without touching a gateway.
TEST_CARD_TOKENS = {"test_card": True, "test_card_declined": False}
PAYPAL_GATEWAY = {"id": 2, "name": "PayPal", "type": "paypal"}
CARD_GATEWAY = {"id": 1, "name": "Stripe", "type": "stripe"}


def _address(data: dict | None) -> dict | None:
    """An address given in the request, as the order keeps it."""
    if not data:
        return None
    keys = ["first_name", "last_name", "line1", "line2", "line3", "line4", "state", "postcode", "country"]
    address = {"id": 0, **{key: str(data.get(key) or "") for key in keys}}
    address["country"] = address["country"].upper()
    address["phone_number"] = str(data.get("phone_number") or "")
    return address


def _order_customer(store: Store, user: dict | None, errors: dict) -> tuple[Customer | None, bool]:
    """The order's customer: `user.id` names one; otherwise `user` is a new customer."""
    if not user:
        return None, False
    if user.get("id"):
        customer = Customer.objects.filter(store=store, id=user["id"]).first()
        if customer is None:
            errors["user"] = {"id": [f'Invalid pk "{user["id"]}" - object does not exist.']}
        return customer, False
    if not user.get("email"):
        errors["user"] = {"email": ["This field is required."]}
        return None, False
    if Customer.objects.filter(store=store, email__iexact=user["email"]).exists():
        errors["user"] = {"email": ["A customer with this email already exists."]}
        return None, False
    return None, True


def order_create(*, store: Store, data: dict, staff: StaffUser | None, app=None, pay_url) -> tuple[Order, dict]:
    """`POST /orders/`: an order placed through the Admin API, paid as `payment_method` says.

    Returns the order and what the answer adds to it: `payment_complete_url` (a
    redirect payment waiting for the buyer: `pay_url(token)`) and
    `reference_transaction_id`. Refused (OrderInvalid) without changing anything:
    unknown products, a currency without prices, not enough stock, a declined card.
    """
    errors: dict = {}
    currency = (data.get("currency") or store.currency).upper()
    method = data.get("payment_method")
    details = data.get("payment_details") or {}
    if not method:
        errors["payment_method"] = ["This field is required."]
    elif method not in REDIRECT_METHODS | DIRECT_METHODS:
        errors["payment_method"] = [f'"{method}" is not available on this store.']
    elif method in REDIRECT_METHODS and not details.get("payment_return_url"):
        errors["payment_details"] = {"payment_return_url": [f"This field is required for {method} payments."]}
    elif method == "card_token":
        token = details.get("card_token") or ""
        if not token:
            errors["payment_details"] = {"card_token": ["This field is required for card_token payments."]}
        elif token not in TEST_CARD_TOKENS and not token.startswith("tok_"):
            errors["payment_details"] = {"card_token": ["Invalid card token."]}

    with transaction.atomic():
        customer, create_customer = _order_customer(store, data.get("user"), errors)
        products = {
            p.id: p
            for p in Product.objects.filter(
                store=store, id__in=[line["product_id"] for line in data["lines"]]
            ).prefetch_related("prices", "stockrecords")
        }
        line_errors, wanted = [], {}
        for line in data["lines"]:
            product = products.get(line["product_id"])
            if product is None:
                line_errors.append(f"Product {line['product_id']} does not exist.")
            elif not product.is_sellable:
                line_errors.append(f"“{product.title}” has variants: order one of them (product_id of the variant).")
            elif line.get("price") is None and not any(p.currency == currency for p in product.prices.all()):
                line_errors.append(f"“{rep.variant_title(product)}” has no price in {currency}.")
            else:
                wanted[product.id] = wanted.get(product.id, 0) + line["quantity"]
        for product_id, quantity in wanted.items():
            product = products[product_id]
            if not product.track_stock or product.allow_backorders:
                continue
            available = max(stock_available(product), 0)
            if available < quantity:
                name = f"“{rep.variant_title(product)}” ({product.sku})"
                line_errors.append(
                    f"{name} is out of stock."
                    if available == 0
                    else f"Only {available} of {name} in stock; {quantity} requested."
                )
        if line_errors:
            errors["lines"] = line_errors

        methods = {m.code: m for m in shipping_methods(store)}
        requires_shipping = any(products[pid].requires_shipping for pid in wanted)
        code = data.get("shipping_code") or next(iter(methods))
        method_row = methods.get(code)
        if method_row is None:
            errors["shipping_code"] = [f"“{code}” is not a shipping method of this store."]
        ship_price = data.get("shipping_price")
        if ship_price is None and method_row is not None:
            ship_price = dict(method_row.prices).get(currency)
            if ship_price is None:
                errors["shipping_code"] = [f"{method_row.name} has no price in {currency}."]

        default_shipping = default_billing = None
        if customer is not None:
            saved = list(customer.addresses.all())
            default_shipping = next((a for a in saved if a.is_default_for_shipping), saved[0] if saved else None)
            default_billing = next((a for a in saved if a.is_default_for_billing), default_shipping)
        shipping = _address(data.get("shipping_address"))
        if shipping is None and data.get("use_default_shipping_address"):
            if default_shipping is None:
                errors["use_default_shipping_address"] = ["The customer has no saved address."]
            shipping = order_address(default_shipping, customer) if default_shipping else None
        if shipping is None and requires_shipping and "shipping_address" not in errors:
            errors.setdefault("shipping_address", ["A shipping address is required for items that ship."])
        billing = _address(data.get("billing_address"))
        if data.get("billing_same_as_shipping_address") or billing is None:
            if data.get("use_default_billing_address") and default_billing is not None:
                billing = order_address(default_billing, customer)
            else:
                billing = dict(shipping) if shipping else None

        if errors:
            raise OrderInvalid(errors)

        token = details.get("card_token") or ""
        if method == "card_token" and TEST_CARD_TOKENS.get(token) is False:
            raise OrderInvalid({"non_field_errors": ["Payment declined: the card was declined (Do Not Honor)."]})

        if create_customer:
            customer = customer_create(store=store, data=data["user"])
        now = timezone.now()
        number = order_number_next(store)
        lines, lines_incl, lines_tax, total_cost = [], 0, 0, 0
        for line in data["lines"]:
            product = products[line["product_id"]]
            if line.get("price") is not None:
                shown = line["price"]
            else:
                shown = next(p.price for p in product.prices.all() if p.currency == currency)
            excl, tax = split_tax(store, int((shown * 100).to_integral_value()))
            quantity = line["quantity"]
            lines.append(
                OrderLine(
                    product=product,
                    title=product.title,
                    variant_title=product.variant_title,
                    sku=product.sku,
                    quantity=quantity,
                    unit_price_excl_tax=cents(excl),
                    unit_tax=cents(tax),
                    unit_cost=product.cost,
                    requires_shipping=product.requires_shipping,
                )
            )
            lines_incl += (excl + tax) * quantity
            lines_tax += tax * quantity
            total_cost += int(product.cost * 100) * quantity
        ship_excl, ship_tax = split_tax(store, int((Decimal(ship_price) * 100).to_integral_value()))
        total_incl = lines_incl + ship_excl + ship_tax
        total_tax = lines_tax + ship_tax
        attribution = {}
        agent_id = (data.get("attribution") or {}).get("agent")
        agent = store.staff.filter(id=agent_id).first() if agent_id else None
        if agent is not None:
            attribution["agent"] = rep.author_repr(agent)
        for key, value in (data.get("attribution") or {}).items():
            if key != "agent" and value not in (None, ""):
                attribution[key] = value
        contact = [str(number)]
        if customer is not None:
            contact += [customer.first_name, customer.last_name, customer.email, customer.phone_number or ""]
        address_parts = [shipping.get(k, "") for k in ("line1", "line2", "line4", "state", "postcode", "country")]
        order = Order(
            store=store,
            number=number,
            customer=customer,
            status=data.get("status") or "open",
            payment_status="pending",
            fulfillment_status="unfulfilled" if requires_shipping else "not_required",
            is_test=method == "card_token" and token.startswith("test_"),
            source="admin_api",
            currency=currency,
            date_placed=data.get("date_placed") or now,
            created_at=now,
            updated_at=now,
            shipping_method=method_row.name,
            shipping_code=method_row.code,
            shipping_excl_tax=cents(ship_excl),
            shipping_tax=cents(ship_tax),
            total_excl_tax=cents(total_incl - total_tax),
            total_tax=cents(total_tax),
            total_incl_tax=cents(total_incl),
            total_cost=cents(total_cost),
            total_outstanding=cents(total_incl),
            payment_method=method,
            country=(shipping or {}).get("country", ""),
            billing_address=billing,
            shipping_address={**shipping, "notes": str((data.get("shipping_address") or {}).get("notes") or "")}
            if shipping
            else None,
            attribution=attribution,
            metadata=data.get("metadata") or {},
            search_blob=" ".join(contact).lower(),
            address_blob=" ".join(address_parts).lower() if shipping else "",
        )
        order.set_tags(tag for tag in data.get("tags") or [] if tag)
        order.save(force_insert=True)
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        order.store = store
        extra = {"reference_transaction_id": None}
        if method in REDIRECT_METHODS:
            session = PaymentSession.objects.create(
                store=store,
                order=order,
                token=PaymentSession.new_token(),
                payment_method=method,
                return_url=details["payment_return_url"],
            )
            extra["payment_complete_url"] = pay_url(session)
        else:
            external = method == "external"
            record = _payment_transaction(
                order,
                slot=2,
                status="succeeded",
                gateway={"id": 0, "name": details.get("external_payment_method") or "External", "type": "external"}
                if external
                else CARD_GATEWAY,
            )
            record["is_external"] = external
            record["external_id"] = details.get("reference_transaction_id") or None
            if external:
                record["auth_code"] = None
            if not external:
                record["payment_details"].update(
                    bankcard_first_six="424242", bankcard_last_four="4242", card_token=token
                )
            _mark_paid(order, record)
        order.save()
        transactions_sync(order)
        recount_customer(order.customer_id)
        order = Order.objects.select_related("store", "customer").get(id=order.id)
        order_event(order, "order.created")
    return order, extra


def _payment_transaction(order: Order, *, slot: int, status: str, gateway: dict) -> dict:
    """A sale of the order's total, in the shape seeded transactions have; `slot` keeps
    its id unique within the order (see order_records.transaction_id)."""
    record = transaction_record(
        random.Random(),
        store=order.store,
        tid=transaction_id(order.store, order.number, slot),
        # drawn as a card payment; the caller's method and gateway replace it below
        order=SimpleNamespace(
            payment_method="card_token", currency=order.currency, is_disputed=False, is_test=order.is_test
        ),
        kind="sale",
        status=status,
        when=timezone.now(),
        amount=order.total_incl_tax,
    )
    record["payment_method"] = order.payment_method
    record["payment_details"].update(
        bankcard_first_six=None,
        bankcard_last_four=None,
        card_token="",
        is_3ds=False,
        paypal_vault_id="",
        gateway=gateway,
    )
    return record


def _mark_paid(order: Order, record: dict) -> None:
    order.transactions = [*(order.transactions or []), record]
    order.payment_status = "paid"
    order.total_outstanding = ZERO
    stock_allocate(order)


def payment_complete(*, session: PaymentSession, approve: bool) -> Order:
    """The buyer approved (paid) or canceled a redirect payment; order.updated either way."""
    with transaction.atomic():
        session = PaymentSession.objects.select_for_update().get(id=session.id)
        if session.status != PaymentSession.PENDING:
            raise Conflict(f"This payment was already {session.status}.")
        order = Order.objects.select_for_update().select_related("store", "customer").get(id=session.order_id)
        attempts = len([t for t in order.transactions or [] if t.get("type") == "sale"])
        record = _payment_transaction(
            order, slot=2 + attempts, status="succeeded" if approve else "failed", gateway=PAYPAL_GATEWAY
        )
        if approve:
            record["payment_details"]["paypal_vault_id"] = f"PV-{secrets.token_hex(4).upper()}"
            record["external_id"] = f"PAYID-{secrets.token_hex(8).upper()}"
            _mark_paid(order, record)
        else:
            record["auth_code"] = None
            record["response_code"] = 200
            order.transactions = [*(order.transactions or []), record]
        order.updated_at = timezone.now()
        order.save()
        transactions_sync(order)
        recount_customer(order.customer_id)
        session.status = PaymentSession.APPROVED if approve else PaymentSession.CANCELED
        session.completed_at = timezone.now()
        session.save(update_fields=["status", "completed_at"])
        order_event(order)
    return order
