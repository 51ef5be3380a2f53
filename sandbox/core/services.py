"""Writes: every change to the store's data goes through one of these, which also emits
the webhook event the platform would send (`order.updated`, `ticket.updated`, ...).
"""

import datetime as dt
import random
from decimal import Decimal

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
    StaffUser,
    Store,
    Ticket,
    TicketComment,
    TicketTag,
)
from .seed import FIRST_ORDER_NUMBER, StoreSeeder

ZERO = Decimal("0.00")


class Conflict(Exception):
    """A request the current state of the object does not allow (answered 400)."""


# --- events --------------------------------------------------------------------------------


def _order_lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order).select_related("product").order_by("id"))


def order_event(order: Order, event_type: str = "order.updated") -> None:
    webhooks.emit(order.store, event_type, "order", rep.order_repr(order, _order_lines(order)))


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


def _seeder(store: Store) -> StoreSeeder:
    seeder = StoreSeeder(store, seed=random.randrange(1 << 30), anchor=timezone.now())
    seeder.products = list(store.products.all())
    seeder.staff = list(store.staff.all())
    seeder.index_products()
    return seeder


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


def _apply_refund(order: Order, *, seeder: StoreSeeder, amount: Decimal, parent: dict, lines, shipping, note, user):
    now = timezone.now()
    record = seeder.refund_record(order, int(amount * 100), now, full=False, note=note or "Refund")
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
        seeder = _seeder(order.store)
        now = timezone.now()
        if order.payment_status == "authorized":
            auth = next((t for t in order.transactions if t.get("type") == "authorization"), None)
            if auth:
                void = seeder.transaction(auth["id"] + 1, order, "void", "succeeded", now, order.total_incl_tax)
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
                        seeder=seeder,
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
        order.save()
        recount_customer(order.customer_id)
        order_event(order)
    return order


def order_refund_calculate(*, order: Order, refund_lines: list[dict], refund_shipping: dict | None) -> dict:
    """What a refund of these lines and shipping would return, as the platform computes it."""
    lines = {line.id: line for line in _order_lines(order)}
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
        lines = _order_lines(order)
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
            raise RefundInvalid(errors)
        seeder = _seeder(order.store)
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
                    seeder=seeder,
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
        recount_customer(order.customer_id)
        lines = _order_lines(order)
        order_event(order)
    return rep.refund_repr(order, records[0], lines) if records else {}


class RefundInvalid(Exception):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def orders_create_random(*, store: Store, count: int = 1, state: dict | None = None) -> list[Order]:
    """New orders placed now by existing customers (order.created), as checkout would.

    `state` may fix `status`, `payment_status` and `fulfillment_status` (the rest follows).
    """
    wanted = {}
    for key, name in (
        ("status", "status"),
        ("payment_status", "payment_status"),
        ("fulfillment_status", "fulfillment"),
    ):
        if state and state.get(key):
            wanted[name] = state[key]
    created = []
    seeder = _seeder(store)
    customers = list(store.customers.prefetch_related("addresses").order_by("id"))
    if not customers:
        return []
    for _ in range(count):
        with transaction.atomic():
            number = (
                Order.objects.filter(store=store).aggregate(top=Max("number"))["top"] or FIRST_ORDER_NUMBER - 1
            ) + 1
            customer = random.choice(customers)
            addresses = list(customer.addresses.all())
            if not addresses:
                continue
            placed = timezone.now()
            seeder.anchor = placed + dt.timedelta(seconds=1)
            draft, lines = seeder.build_order(
                number=number,
                placed=placed,
                customer=customer,
                address=addresses[0],
                state={"status": "open", "fulfillment": "unfulfilled", **wanted},
            )
            fields = vars(draft)
            fields.pop("id")
            fields["updated_at"] = placed
            order = Order.objects.create(**fields)
            for line in lines:
                values = vars(line)
                values.pop("id", None)
                values["order_id"] = order.id
                OrderLine.objects.create(**values)
            recount_customer(customer.id)
            order = Order.objects.select_related("store", "customer").get(id=order.id)
            order_event(order, "order.created")
        created.append(order)
    return created


# --- customers -------------------------------------------------------------------------------


def customer_note_add(*, customer: Customer, message: str, author: StaffUser | None, app=None) -> CustomerNote:
    now = timezone.now()
    with transaction.atomic():
        note = CustomerNote.objects.create(
            customer=customer, author=author, app=app, message=message, created_at=now, updated_at=now
        )
        Customer.objects.filter(id=customer.id).update(updated_at=now)
        customer_event(customer)
    return note


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
