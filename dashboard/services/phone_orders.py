"""Orders created from the console: phone and e-mail sales (the customer is created by
`dashboard.services.customers.customer_create`).

    phone_order = phone_order_place(operator=op, store=store, key=form_key, draft=draft)
    phone_order_payment_verify(phone_order=phone_order, source="return")

Placing an order is idempotent per form: the `PhoneOrder` row is reserved under the
form's key first (a unique constraint), then the store is asked, then the answer is
recorded. A second submission of the same form (a double click, a browser retry)
finds the row and gets the same order back; one that arrives while the first is still
being placed is answered at once with that (`PhoneOrderInProgress`: the page then
polls the first one's state, `phone_order_by_key`), never held in a web thread. When
the store's answer is lost (a timeout after the request was sent), the order may
exist: it is looked for among the customer's orders, by the key Storedesk put in the
order's metadata, before anything is sent again.

A payment link's outcome comes back to `/payments/return/<token>/`; whatever that POST
says, the order is read again from the store's API and only what the API shows is
recorded (`phone_order_payment_verify`).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from storeapi import signals
from storeapi.cache import lists_changed
from storeapi.client import StoreClient
from storeapi.errors import StoreAPIError, StoreUnavailable, UnexpectedResponse

from ..audit import audit_record
from ..models import PhoneOrder
from ..selectors.catalogue import decimal_or_none
from ..selectors.customers import customer_orders_page
from ..selectors.orders import order_get

logger = logging.getLogger(__name__)

# A reservation older than this was left by a request that died: its order may exist.
STALE_RESERVATION = timedelta(minutes=2)
METADATA_KEY = "storedesk_key"


class PhoneOrderInProgress(Exception):
    """The same form is being placed by another request right now."""

    def __init__(self, phone_order: PhoneOrder):
        super().__init__("This order is already being placed.")
        self.phone_order = phone_order


class PhoneOrderKeyConflict(Exception):
    """The form's key belongs to another operator or store (a forged or copied form)."""


@dataclass
class OrderDraft:
    """What the new-order form collected, ready to be sent to the store."""

    customer: dict  # the customer as the store answers it: id, email, names
    lines: list[tuple[int, int]]  # (variant id, quantity)
    shipping_code: str
    shipping_address: dict | None
    billing_address: dict | None  # None: the same as the shipping address
    payment: str  # PhoneOrder.Payment
    tags: list[str] = field(default_factory=list)
    external_method: str = ""
    external_reference: str = ""
    send_receipt: bool = True
    estimated_total: Decimal | None = None


# --- placing an order --------------------------------------------------------------------------


def return_url(phone_order: PhoneOrder) -> str:
    return settings.SITE_URL + reverse("payment_return", kwargs={"token": phone_order.return_token})


def _customer_label(customer: dict) -> str:
    name = f"{customer.get('first_name') or ''} {customer.get('last_name') or ''}".strip()
    email = customer.get("email") or ""
    return f"{name} <{email}>" if name and email else name or email or f"Customer {customer.get('id')}"


def order_body(*, phone_order: PhoneOrder, draft: OrderDraft, store) -> dict:
    """The `CreateOrder` request for a draft."""
    body: dict = {
        "lines": [{"product_id": variant_id, "quantity": quantity} for variant_id, quantity in draft.lines],
        "user": {"id": draft.customer["id"]},
        "shipping_code": draft.shipping_code,
        "tags": draft.tags,
        "send_receipt": draft.send_receipt,
        "metadata": {METADATA_KEY: str(phone_order.key), "source": "storedesk-phone"},
    }
    if store.currency:
        body["currency"] = store.currency
    if draft.shipping_address:
        body["shipping_address"] = draft.shipping_address
    if draft.billing_address:
        body["billing_address"] = draft.billing_address
    else:
        body["billing_same_as_shipping_address"] = True
    if draft.payment == PhoneOrder.Payment.LINK:
        body["payment_method"] = "paypal"
        body["payment_details"] = {"payment_return_url": return_url(phone_order)}
    else:
        body["payment_method"] = "external"
        body["payment_details"] = {
            "external_payment_method": dict(PhoneOrder.ExternalMethod.choices).get(
                draft.external_method, draft.external_method
            ),
            "reference_transaction_id": draft.external_reference or None,
        }
    return body


def _draft_fields(draft: OrderDraft) -> dict:
    """What the phone order records of the form, when it is reserved or taken again."""
    return {
        "customer_id": draft.customer["id"],
        "customer_label": _customer_label(draft.customer)[:300],
        "customer_email": draft.customer.get("email") or "",
        "payment": draft.payment,
        "external_method": draft.external_method,
        "external_reference": draft.external_reference,
        "total": draft.estimated_total,
    }


def _reserve(*, operator, store, key: uuid.UUID, draft: OrderDraft) -> tuple[PhoneOrder, bool]:
    """The row for this form's key: (row, True) when this request took the key."""
    try:
        with transaction.atomic():
            phone_order = PhoneOrder.objects.create(
                key=key,
                store=store,
                operator=operator,
                state=PhoneOrder.State.RESERVED,
                currency=store.currency or "",
                **_draft_fields(draft),
            )
        return phone_order, True
    except IntegrityError:
        phone_order = PhoneOrder.objects.get(key=key)
        if phone_order.store_id != store.pk or phone_order.operator_id != operator.pk:
            raise PhoneOrderKeyConflict from None
        return phone_order, False


def _retake(phone_order: PhoneOrder, *, draft: OrderDraft, from_states) -> bool:
    """Take a refused (or lost) submission's key again to send the form once more."""
    taken = PhoneOrder.objects.filter(pk=phone_order.pk, state__in=from_states).update(
        state=PhoneOrder.State.RESERVED,
        error="",
        updated_at=timezone.now(),
        **_draft_fields(draft),
    )
    if taken:
        phone_order.refresh_from_db()
    return bool(taken)


def phone_order_being_placed(phone_order: PhoneOrder) -> bool:
    """Whether a request is still placing this order: reserved, and recently (an older
    reservation was left by a request that died, and its order may exist)."""
    return (
        phone_order.state == PhoneOrder.State.RESERVED and timezone.now() - phone_order.updated_at < STALE_RESERVATION
    )


def phone_order_place(*, operator, store, key: uuid.UUID, draft: OrderDraft) -> PhoneOrder:
    """Place the order once per form key; return the phone order (state CREATED).

    Raises the store's error when it refused (the form may be sent again), a
    `StoreAPIError` when the answer was lost and the order cannot be found (state
    UNKNOWN: the next submission looks for it first), `PhoneOrderInProgress` while
    another request is placing the same form.
    """
    phone_order, fresh = _reserve(operator=operator, store=store, key=key, draft=draft)
    if not fresh:
        if phone_order.state == PhoneOrder.State.RESERVED:
            # The first submission is still waiting for the store: say so now (the page
            # polls its state) rather than hold this web thread until it is done.
            if phone_order_being_placed(phone_order):
                raise PhoneOrderInProgress(phone_order)
            PhoneOrder.objects.filter(pk=phone_order.pk, state=PhoneOrder.State.RESERVED).update(
                state=PhoneOrder.State.UNKNOWN
            )
            phone_order.refresh_from_db()
        if phone_order.state == PhoneOrder.State.CREATED:
            return phone_order
        if phone_order.state == PhoneOrder.State.UNKNOWN and _reconcile(phone_order):
            return phone_order
        if not _retake(phone_order, draft=draft, from_states=[PhoneOrder.State.REFUSED, PhoneOrder.State.UNKNOWN]):
            # Another request took it in between: answer as it does.
            return phone_order_place(operator=operator, store=store, key=key, draft=draft)

    body = order_body(phone_order=phone_order, draft=draft, store=store)
    PhoneOrder.objects.filter(pk=phone_order.pk).update(request=_summary(body))
    client = StoreClient.for_store(store)
    try:
        order = client.post("orders/", body)
        if not isinstance(order, dict) or not order.get("number"):
            raise UnexpectedResponse("The store did not answer with the new order.", store=store.subdomain)
    except (StoreUnavailable, UnexpectedResponse) as error:
        # The request may have reached the store: the order may exist.
        PhoneOrder.objects.filter(pk=phone_order.pk).update(
            state=PhoneOrder.State.UNKNOWN, error=error.user_message[:1000]
        )
        phone_order.refresh_from_db()
        if _reconcile(phone_order):
            return phone_order
        raise
    except StoreAPIError as error:
        # Refused, rate limited past the retries, no permission: nothing was created.
        PhoneOrder.objects.filter(pk=phone_order.pk).update(
            state=PhoneOrder.State.REFUSED, error=error.user_message[:1000]
        )
        raise
    _record_created(phone_order, order, operator=operator, draft=draft)
    return phone_order


def _summary(body: dict) -> dict:
    """What was asked of the store, for the record (the return URL's token left out)."""
    summary = {k: v for k, v in body.items() if k != "payment_details"}
    details = dict(body.get("payment_details") or {})
    if "payment_return_url" in details:
        details["payment_return_url"] = "(Storedesk's payment return URL)"
    summary["payment_details"] = details
    return summary


def _record_created(phone_order: PhoneOrder, order: dict, *, operator, draft: OrderDraft | None) -> None:
    store = phone_order.store
    number = str(order["number"])
    link = phone_order.payment == PhoneOrder.Payment.LINK
    phone_order.state = PhoneOrder.State.CREATED
    phone_order.order_number = number
    phone_order.total = decimal_or_none(order.get("total_incl_tax"))
    phone_order.currency = str(order.get("currency") or phone_order.currency)[:3]
    url = str(order.get("payment_complete_url") or "") if link else ""
    # Shown to copy and e-mailed to a buyer: only a web address, whatever the answer says.
    phone_order.payment_url = url if url.startswith(("https://", "http://")) and len(url) <= 1000 else ""
    phone_order.error = ""
    if link and not phone_order.payment_url:
        # Found again after a lost answer: the link was only in that answer.
        phone_order.error = "The store created the order, but its answer with the payment link was lost."
    if link:
        phone_order.payment_status = PhoneOrder.PaymentStatus.AWAITING
    else:
        phone_order.payment_status = _verified_status(order) or PhoneOrder.PaymentStatus.AWAITING
        phone_order.notified_at = timezone.now()  # nothing to announce later
    phone_order.payment_checked_at = timezone.now()
    phone_order.payment_detail = _payment_detail(order)
    phone_order.save()
    client = StoreClient.for_store(store)
    for variant_id, _ in draft.lines if draft else []:
        client.invalidate("variants", variant_id)
    if phone_order.customer_id:
        client.invalidate("users", phone_order.customer_id)
    how = (
        "with a payment link"
        if link
        else f"paid externally ({phone_order.external_method or 'external'}"
        + (f", reference {phone_order.external_reference})" if phone_order.external_reference else ")")
    )
    audit_record(
        operator=operator,
        store=store,
        action="order.created",
        object_type="order",
        object_id=number,
        summary=f"Created order #{number} for {phone_order.customer_label} {how}",
        details={
            "key": str(phone_order.key),
            "customer_id": phone_order.customer_id,
            "total": str(phone_order.total) if phone_order.total is not None else None,
            "currency": phone_order.currency,
            "payment": phone_order.payment,
            "external_method": phone_order.external_method,
            "external_reference": phone_order.external_reference,
            "lines": [list(line) for line in draft.lines] if draft else [],
            "tags": draft.tags if draft else [],
            "shipping_code": draft.shipping_code if draft else "",
        },
    )


def _reconcile(phone_order: PhoneOrder) -> bool:
    """Look for the order a lost answer may have created (by the key in its metadata);
    record it when found. A store error leaves the state as it is."""
    if not phone_order.customer_id:
        return False
    try:
        # The newest page of the customer's orders (read fresh): a lost order is among the newest.
        orders = customer_orders_page(store=phone_order.store, customer_id=phone_order.customer_id).results
    except StoreAPIError:
        return False
    key = str(phone_order.key)
    found = next((o for o in orders if (o.get("metadata") or {}).get(METADATA_KEY) == key), None)
    if found is None:
        return False
    updated = PhoneOrder.objects.filter(
        pk=phone_order.pk, state__in=[PhoneOrder.State.UNKNOWN, PhoneOrder.State.RESERVED]
    ).update(state=PhoneOrder.State.RESERVED)
    phone_order.refresh_from_db()
    if updated:
        _record_created(phone_order, found, operator=phone_order.operator, draft=None)
    return phone_order.state == PhoneOrder.State.CREATED


# --- the payment link ----------------------------------------------------------------------------


def _sales(order: dict) -> list[dict]:
    return [
        t
        for t in order.get("transactions") or []
        if isinstance(t, dict) and t.get("type") in ("sale", "capture", "authorization")
    ]


def _verified_status(order: dict) -> str | None:
    """What the store's own answer says of the payment: paid, failed, or nothing yet."""
    sales = _sales(order)
    if order.get("payment_status") in ("paid", "partially_refunded", "refunded", "authorized") or any(
        t.get("status") == "succeeded" for t in sales
    ):
        return PhoneOrder.PaymentStatus.PAID
    if any(t.get("status") == "failed" for t in sales):
        return PhoneOrder.PaymentStatus.FAILED
    return None


def _payment_detail(order: dict) -> dict:
    last = _sales(order)[-1] if _sales(order) else {}
    gateway = (last.get("payment_details") or {}).get("gateway") or {}
    return {
        "payment_status": order.get("payment_status"),
        "total_outstanding": order.get("total_outstanding"),
        "transaction_id": last.get("id"),
        "transaction_status": last.get("status"),
        "gateway": gateway.get("name"),
    }


def phone_order_payment_verify(*, phone_order: PhoneOrder, source: str, operator=None) -> bool:
    """Read the order from the store's API and record how its payment stands.

    `source` says what asked: "return" (the store's POST to the return URL),
    "webhook", or "operator" (the Check button). Nothing in that request is believed:
    only the order as the API answers it. Returns whether the recorded payment changed;
    the operator who created the order is told when it ended (paid or failed).
    """
    if phone_order.state != PhoneOrder.State.CREATED or phone_order.payment != PhoneOrder.Payment.LINK:
        return False
    if phone_order.payment_status == PhoneOrder.PaymentStatus.PAID:
        return False  # final: nothing to ask the store
    store = phone_order.store
    order = order_get(store=store, number=phone_order.order_number, fresh=True)
    # The cached copy the order page shows may be older than this answer.
    StoreClient.for_store(store).invalidate("orders", phone_order.order_number)
    if not isinstance(order, dict) or str(order.get("number")) != phone_order.order_number:
        raise UnexpectedResponse("The store answered with another order.", store=store.subdomain)
    status = _verified_status(order)
    now = timezone.now()
    PhoneOrder.objects.filter(pk=phone_order.pk).update(payment_checked_at=now)
    if status is None or status == phone_order.payment_status:
        phone_order.refresh_from_db()
        return False
    changed = (
        PhoneOrder.objects.filter(pk=phone_order.pk, payment_status=phone_order.payment_status)
        .exclude(payment_status=PhoneOrder.PaymentStatus.PAID)
        .update(payment_status=status, payment_detail=_payment_detail(order), notified_at=None, updated_at=now)
    )
    phone_order.refresh_from_db()
    if not changed:
        return False
    paid = status == PhoneOrder.PaymentStatus.PAID
    detail = phone_order.payment_detail
    audit_record(
        operator=operator,
        store=store,
        action="order.payment_confirmed" if paid else "order.payment_failed",
        object_type="order",
        object_id=phone_order.order_number,
        summary=(
            f"Payment of order #{phone_order.order_number} {'confirmed' if paid else 'failed'} "
            f"(verified with the store, {source})"
        ),
        details={"source": source, "key": str(phone_order.key), **detail},
    )
    # Learned by reading the order, not by a write: mark its lists changed here.
    lists_changed(store.pk, "orders")
    transaction.on_commit(lambda: _email_operator(phone_order))
    return True


def _email_operator(phone_order: PhoneOrder) -> None:
    """Tell the operator who created the order how its payment ended (also shown in
    the notice area of their next page)."""
    operator = phone_order.operator
    if operator is None or not operator.email:
        return
    paid = phone_order.payment_status == PhoneOrder.PaymentStatus.PAID
    url = settings.SITE_URL + reverse(
        "order_detail", kwargs={"store": phone_order.store.subdomain, "number": phone_order.order_number}
    )
    subject = f"Order #{phone_order.order_number} ({phone_order.store.display_name}): " + (
        "payment received" if paid else "payment failed"
    )
    body = (
        f"The payment link for order #{phone_order.order_number} of {phone_order.customer_label} "
        + ("was paid.\n\n" if paid else "was not paid: the buyer canceled or the payment failed.\n\n")
        + f"{url}\n"
    )
    try:
        send_mail(subject, body, None, [operator.email], fail_silently=False)
    except Exception:  # a mail server that is down must not undo what the store confirmed
        logger.exception("Could not e-mail %s about order %s", operator.email, phone_order.order_number)


class NoPaymentLinkToSend(Exception):
    """The payment link is not open (paid, failed, or lost with the store's answer), or
    the buyer has no e-mail address."""


def phone_order_link_email(*, operator, phone_order: PhoneOrder) -> None:
    """E-mail the payment link to the buyer, only while it waits for the payment."""
    if not phone_order.awaiting_payment or not phone_order.payment_url or not phone_order.customer_email:
        raise NoPaymentLinkToSend("There is no open payment link to send.")
    store = phone_order.store
    total = f"{phone_order.total} {phone_order.currency}" if phone_order.total is not None else ""
    send_mail(
        f"Your order #{phone_order.order_number} at {store.display_name}",
        (
            f"Hello {phone_order.customer_label.split(' <')[0]},\n\n"
            f"thank you for your order #{phone_order.order_number}{f' of {total}' if total else ''}. "
            f"Please pay it here:\n\n{phone_order.payment_url}\n\n{store.display_name}\n"
        ),
        None,
        [phone_order.customer_email],
    )
    PhoneOrder.objects.filter(pk=phone_order.pk).update(link_emailed_at=timezone.now())
    audit_record(
        operator=operator,
        store=store,
        action="order.payment_link_emailed",
        object_type="order",
        object_id=phone_order.order_number,
        summary=f"E-mailed the payment link of order #{phone_order.order_number} to {phone_order.customer_email}",
        details={"to": phone_order.customer_email},
    )


# --- webhooks: a second way to learn how a payment ended ----------------------------------------


@receiver(signals.webhook_received)
def _verify_on_order_updated(sender, *, store, event_type, data, **kwargs):
    """`order.updated` of an order whose payment link is still open: ask the API how
    the payment stands (in case the store's POST to the return URL never arrived)."""
    if event_type != "order.updated" or not isinstance(data, dict):
        return
    phone_order = (
        PhoneOrder.objects.filter(
            store=store,
            order_number=str(data.get("number") or ""),
            state=PhoneOrder.State.CREATED,
            payment=PhoneOrder.Payment.LINK,
        )
        .exclude(payment_status=PhoneOrder.PaymentStatus.PAID)
        .select_related("store", "operator")
        .first()
    )
    if phone_order is not None:
        phone_order_payment_verify(phone_order=phone_order, source="webhook")
