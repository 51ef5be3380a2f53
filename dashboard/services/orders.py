"""Changes to orders: notes, tags, cancel, refund. Each one is audited once it succeeded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from storeapi.client import StoreClient
from storeapi.errors import (
    InvalidRequest,
    MissingScope,
    NotFound,
    RateLimited,
    StoreAPIError,
    StoreNotConnected,
    TokenRevoked,
    UnexpectedResponse,
)

from ..audit import audit_record
from ..models import OperatorAuthorship, OrderRefund
from ..selectors.orders import order_get
from .authorship import authorship_record
from .edits import edit_lock


def _client(store) -> StoreClient:
    return StoreClient.for_store(store)


def order_note_add(*, operator, store, number: str, message: str) -> dict:
    note = _client(store).post(f"orders/{number}/notes/", {"message": message})
    authorship_record(
        operator=operator,
        store=store,
        kind=OperatorAuthorship.Kind.ORDER_NOTE,
        parent_id=number,
        object_id=note.get("id") if isinstance(note, dict) else None,
    )
    audit_record(
        operator=operator,
        store=store,
        action="order.note_added",
        object_type="order",
        object_id=number,
        summary=f"Added a note to order #{number}",
        details={"note_id": (note or {}).get("id") if isinstance(note, dict) else None, "message": message[:2000]},
    )
    return note


def _set_tags(*, store, number: str, tags: list[str]) -> dict:
    return _client(store).patch(f"orders/{number}/", {"tags": tags})


def order_tag_add(*, operator, store, number: str, tag: str) -> dict:
    """Add `tag` to the order's tags. The platform takes the whole list, so the order is
    read fresh (a tag a colleague or the store added meanwhile is kept), and one such
    read-and-write of the order runs at a time across Storedesk (two operators tagging
    at once both keep their tag: dashboard.services.edits)."""
    with edit_lock(store, f"orders/{number}/"):
        current = order_get(store=store, number=number, fresh=True)
        tags = [str(t) for t in current.get("tags") or []]
        if tag in tags:
            return current
        order = _set_tags(store=store, number=number, tags=[*tags, tag])
    audit_record(
        operator=operator,
        store=store,
        action="order.tag_added",
        object_type="order",
        object_id=number,
        summary=f"Tagged order #{number} “{tag}”",
        details={"tag": tag, "before": tags},
    )
    return order


def order_tag_remove(*, operator, store, number: str, tag: str) -> dict:
    """Remove `tag` from the order's tags, keeping the others as the store has them now
    (read fresh, one read-and-write at a time, as `order_tag_add`)."""
    with edit_lock(store, f"orders/{number}/"):
        current = order_get(store=store, number=number, fresh=True)
        tags = [str(t) for t in current.get("tags") or []]
        if tag not in tags:
            return current
        order = _set_tags(store=store, number=number, tags=[t for t in tags if t != tag])
    audit_record(
        operator=operator,
        store=store,
        action="order.tag_removed",
        object_type="order",
        object_id=number,
        summary=f"Removed tag “{tag}” from order #{number}",
        details={"tag": tag, "before": tags},
    )
    return order


def order_cancel(*, operator, store, number: str, reason: str, full_refund: bool = False, notify: bool = False) -> dict:
    order = _client(store).post(
        f"orders/{number}/cancel/",
        {"cancel_reason": reason, "full_refund": full_refund, "send_cancel_notification": notify},
    )
    audit_record(
        operator=operator,
        store=store,
        action="order.canceled",
        object_type="order",
        object_id=number,
        summary=f"Canceled order #{number}" + (" with a full refund" if full_refund else ""),
        details={"reason": reason, "full_refund": full_refund, "notify": notify},
    )
    return order


def _refund_body(lines: dict[int, int], refund_shipping: bool, restock: str) -> dict:
    body: dict = {
        "refund_lines": [
            {"line_id": line_id, "quantity": quantity, "restock_type": restock}
            for line_id, quantity in lines.items()
            if quantity
        ]
    }
    if refund_shipping:
        body["refund_shipping"] = {"full_refund": True}
    return body


def order_refund_calculate(*, store, number: str, lines: dict[int, int], refund_shipping: bool, restock: str) -> dict:
    """What the store would refund (nothing changes yet)."""
    body = _refund_body(lines, refund_shipping, restock)
    result = _client(store).post(f"orders/{number}/refund/calculate/", body)
    if not isinstance(result, dict):
        raise UnexpectedResponse("The refund calculation has no body.")
    return result


def refund_amount(calculation: dict) -> Decimal:
    """The total the store will refund: what the calculation takes from the payments.
    Zero when no payment can be refunded (nothing captured yet)."""
    total = Decimal("0")
    for payment in calculation.get("transactions") or []:
        try:
            total += Decimal(str(payment.get("amount") or "0"))
        except (InvalidOperation, AttributeError):
            continue
    return total


class RefundAmountChanged(Exception):
    """The store would now refund another amount than the one the operator confirmed
    (or nothing at all): nothing was refunded. `calculation` is the store's new answer,
    to show for a new confirmation."""

    def __init__(self, calculation: dict):
        self.calculation = calculation
        self.amount = refund_amount(calculation)
        super().__init__(f"The refund amount is now {self.amount}, not the amount confirmed.")


class RefundInProgress(Exception):
    """Another confirmation with the same key is at the store right now."""

    def __init__(self, refund: OrderRefund):
        super().__init__("This refund is being made.")
        self.refund = refund


class RefundOutcomeUnknown(Exception):
    """The store's answer to this confirmation was lost: the refund may have been made."""

    def __init__(self, refund: OrderRefund):
        super().__init__(
            "The store did not answer this refund, so it may have been made. Look at the order's payments "
            "before refunding again."
        )
        self.refund = refund


class RefundKeyConflict(Exception):
    """The confirmation's key belongs to another refund (a copied or edited form)."""


@dataclass(frozen=True)
class RefundResult:
    refund: OrderRefund
    made_now: bool  # False: an earlier confirmation with the same key made it


# A confirmation still "being refunded" after this long was left by a request that died
# before it recorded the store's answer (a refund call lasts seconds, bounded by timeouts).
STALE_REFUND = timedelta(minutes=2)


def _refund_request(lines: dict[int, int], refund_shipping: bool, restock: str) -> dict:
    """What a confirmation asks for, as stored with its key (JSON: string keys)."""
    return {
        "lines": {str(line_id): quantity for line_id, quantity in lines.items() if quantity},
        "refund_shipping": bool(refund_shipping),
        "restock": restock,
    }


def _refund_claim(*, key, store, number: str, operator, request: dict, amount) -> tuple[OrderRefund, bool]:
    """Take the key for this refund (True), or the refund that already holds it (False)."""
    for _ in range(2):  # the holder may give the key back between our two looks
        try:
            with transaction.atomic():
                refund = OrderRefund.objects.create(
                    key=key,
                    store=store,
                    order_number=number,
                    operator=operator,
                    operator_email=getattr(operator, "email", "") or "",
                    request=request,
                    amount=amount,
                    currency=store.currency,
                )
            return refund, True
        except IntegrityError:
            existing = OrderRefund.objects.filter(key=key).first()
            if existing is None:
                continue
            if existing.store_id != store.pk or existing.order_number != number or existing.request != request:
                raise RefundKeyConflict(
                    "This confirmation does not match the refund it was made for. Nothing was refunded: "
                    "calculate the refund again."
                ) from None
            return existing, False
    raise RefundKeyConflict("This confirmation is in use by another request. Nothing was refunded: try again.")


def _refund_earlier(refund: OrderRefund) -> RefundResult:
    """The answer to a confirmation whose key an earlier one took (no request to the store)."""
    if refund.state == OrderRefund.State.REFUNDED:
        return RefundResult(refund=refund, made_now=False)
    if refund.state == OrderRefund.State.PENDING:
        if refund.created_at > timezone.now() - STALE_REFUND:
            raise RefundInProgress(refund)
        OrderRefund.objects.filter(pk=refund.pk, state=OrderRefund.State.PENDING).update(
            state=OrderRefund.State.UNKNOWN,
            error="The confirmation was interrupted before the store's answer was recorded.",
            finished_at=timezone.now(),
        )
        refund.refresh_from_db()
        if refund.state == OrderRefund.State.REFUNDED:  # it finished after all
            return RefundResult(refund=refund, made_now=False)
    raise RefundOutcomeUnknown(refund)


def _refund_release(refund: OrderRefund) -> None:
    """Nothing was refunded for sure: give the key back (confirming again asks anew)."""
    OrderRefund.objects.filter(pk=refund.pk, state=OrderRefund.State.PENDING).delete()


def _refund_surely_not_made(error: StoreAPIError) -> bool:
    """The store refused the request or never got it (a 4xx answer, a 429, not sent).
    No answer, a 5xx or an answer we could not read may hide a refund that was made."""
    return isinstance(error, InvalidRequest | NotFound | MissingScope | TokenRevoked | RateLimited | StoreNotConnected)


def order_refund(
    *,
    operator,
    store,
    number: str,
    key,
    lines: dict[int, int],
    refund_shipping: bool,
    restock: str,
    confirmed_amount: Decimal | None,
    note: str = "",
    notify: bool = False,
) -> RefundResult:
    """Refund these lines (and shipping), to the payments the store names, if the store
    still computes `confirmed_amount`, the amount the operator saw and confirmed.

    Once per `key` (the confirmation form's idempotency key): the key is taken in the
    database before the store is asked, so a second confirmation of the same form is
    answered with the first one's result (RefundInProgress while it is at the store)
    and never refunds again. The store is asked again right before refunding: the order
    may have changed since the operator's calculation (another refund, a capture). A
    different amount raises RefundAmountChanged and nothing is refunded; money moves
    only as confirmed."""
    request = _refund_request(lines, refund_shipping, restock)
    refund, claimed = _refund_claim(
        key=key, store=store, number=number, operator=operator, request=request, amount=confirmed_amount or 0
    )
    if not claimed:
        return _refund_earlier(refund)
    try:
        calculation = order_refund_calculate(
            store=store, number=number, lines=lines, refund_shipping=refund_shipping, restock=restock
        )
        amount = refund_amount(calculation)
        if amount <= 0 or confirmed_amount is None or Decimal(confirmed_amount) != amount:
            raise RefundAmountChanged(calculation)
    except BaseException:
        _refund_release(refund)  # nothing was sent to refund
        raise
    body = _refund_body(lines, refund_shipping, restock)
    body["transactions"] = [
        {"id": t["id"], "amount": str(t.get("amount"))}
        for t in calculation.get("transactions") or []
        if isinstance(t, dict) and t.get("id") is not None and Decimal(str(t.get("amount") or "0")) > 0
    ]
    body["send_refund_notification"] = notify
    if note:
        body["note"] = note
    try:
        answer = _client(store).post(f"orders/{number}/refund/", body)
    except StoreAPIError as error:
        if _refund_surely_not_made(error):
            _refund_release(refund)
            raise
        refund.state = OrderRefund.State.UNKNOWN
        refund.error = error.user_message[:1000]
        refund.finished_at = timezone.now()
        refund.save(update_fields=["state", "error", "finished_at"])
        raise RefundOutcomeUnknown(refund) from error
    # (A request killed right here leaves the key "being refunded"; after STALE_REFUND a
    # confirmation says the outcome is unknown rather than refunding again.)
    currency = calculation.get("currency") or store.currency
    refund_id = answer.get("id") if isinstance(answer, dict) else None
    with transaction.atomic():
        refund.state = OrderRefund.State.REFUNDED
        refund.amount = amount
        refund.currency = currency
        refund.refund_id = str(refund_id or "")[:64]
        refund.finished_at = timezone.now()
        refund.save(update_fields=["state", "amount", "currency", "refund_id", "finished_at"])
        audit_record(
            operator=operator,
            store=store,
            action="order.refunded",
            object_type="order",
            object_id=number,
            summary=f"Refunded {amount} {currency} on order #{number}",
            details={
                "amount": str(amount),
                "currency": currency,
                "lines": {str(k): v for k, v in lines.items() if v},
                "refund_shipping": refund_shipping,
                "restock": restock,
                "refund_id": refund_id,
                "note": note[:2000],
                "key": str(key),
            },
        )
    return RefundResult(refund=refund, made_now=True)
