"""Changes to orders: notes, tags, cancel, refund. Each one is audited once it succeeded."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from storeapi.client import StoreClient
from storeapi.errors import UnexpectedResponse

from ..audit import audit_record
from ..selectors.orders import order_get


def _client(store) -> StoreClient:
    return StoreClient.for_store(store)


def order_note_add(*, operator, store, number: str, message: str) -> dict:
    note = _client(store).post(f"orders/{number}/notes/", {"message": message})
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
    """Add `tag` to the order's tags (read fresh, so a tag added meanwhile is kept)."""
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
    for transaction in calculation.get("transactions") or []:
        try:
            total += Decimal(str(transaction.get("amount") or "0"))
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


def order_refund(
    *,
    operator,
    store,
    number: str,
    lines: dict[int, int],
    refund_shipping: bool,
    restock: str,
    confirmed_amount: Decimal | None,
    note: str = "",
    notify: bool = False,
) -> dict:
    """Refund these lines (and shipping), to the payments the store names, if the store
    still computes `confirmed_amount`, the amount the operator saw and confirmed.

    The store is asked again right before refunding: the order may have changed since
    the operator's calculation (another refund, a capture). A different amount raises
    RefundAmountChanged and nothing is refunded; money moves only as confirmed."""
    calculation = order_refund_calculate(
        store=store, number=number, lines=lines, refund_shipping=refund_shipping, restock=restock
    )
    amount = refund_amount(calculation)
    if amount <= 0 or confirmed_amount is None or Decimal(confirmed_amount) != amount:
        raise RefundAmountChanged(calculation)
    body = _refund_body(lines, refund_shipping, restock)
    body["transactions"] = [
        {"id": t["id"], "amount": str(t.get("amount"))}
        for t in calculation.get("transactions") or []
        if isinstance(t, dict) and t.get("id") is not None and Decimal(str(t.get("amount") or "0")) > 0
    ]
    body["send_refund_notification"] = notify
    if note:
        body["note"] = note
    refund = _client(store).post(f"orders/{number}/refund/", body)
    currency = calculation.get("currency") or store.currency
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
            "refund_id": refund.get("id") if isinstance(refund, dict) else None,
            "note": note[:2000],
        },
    )
    return refund
