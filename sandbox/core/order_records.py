"""What an order keeps as JSON in its own row: the addresses it ships and bills to (copies),
its transactions and its refunds; and the `Transaction` rows that index those
transactions for `/transactions/`.

The seed and the API's writes build them with these same functions, so an order placed,
paid, voided or refunded at run time looks like a seeded one. The random parts (auth
codes, card numbers, tokens) are drawn from the `rng` the caller passes: the seed's
generator while seeding, a fresh one at run time.
"""

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace

from .models import Customer, CustomerAddress, Store
from .money import cents

# payment method -> the gateway that takes it: (id, name, type)
GATEWAYS = {"card_token": (1, "Stripe", "stripe"), "paypal": (2, "PayPal", "paypal")}
GATEWAYS["apple_pay"] = GATEWAYS["google_pay"] = GATEWAYS["card_token"]
GATEWAYS["external"] = (0, "External", "external")  # orders placed through the API


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def order_address(address: CustomerAddress, customer: Customer) -> dict:
    """A saved address as an order keeps it (a copy); names it lacks are the customer's."""
    return {
        "id": address.id,
        "first_name": address.first_name or customer.first_name,
        "last_name": address.last_name or customer.last_name,
        "line1": address.line1,
        "line2": address.line2,
        "line3": address.line3,
        "line4": address.line4,
        "state": address.state,
        "postcode": address.postcode,
        "country": address.country,
        "phone_number": address.phone_number,
    }


def transaction_id(store: Store, number: int, slot: int) -> int:
    """Transaction ids are unique across stores: the order's number and a slot within it
    (1 a failed attempt, 2 the payment, 3 its void, 5 and up the refunds)."""
    return number * 10 + store.id * 100_000_000 + slot


def transaction_record(
    rng: random.Random, *, store: Store, tid: int, order, kind: str, status: str, when: dt.datetime, amount
) -> dict:
    """One entry of an order's `transactions`: a `kind` (sale, authorization, void, refund)
    of `amount` through the gateway of the order's payment method."""
    gateway_id, gateway_name, gateway_type = GATEWAYS[order.payment_method]
    card = order.payment_method in ("card_token", "apple_pay", "google_pay")
    amount = f"{amount:.2f}"
    return {
        "id": tid,
        "type": kind,
        "status": status,
        "amount": amount,
        "currency": order.currency,
        "date_created": iso(when),
        "parent_id": None,
        "payment_method": order.payment_method,
        "response_code": 100 if status == "succeeded" else 200,
        "auth_code": f"{rng.randrange(100000, 999999)}" if status == "succeeded" else None,
        "external_id": None,
        "network_transaction_id": None,
        "is_disputed": order.is_disputed,
        "is_external": False,
        "is_initial_retry": None,
        "is_test": order.is_test,
        "statement_descriptor": store.name[:22],
        "payment_details": {
            "bankcard_first_six": rng.choice(["424242", "555555", "378282"]) if card else None,
            "bankcard_last_four": f"{rng.randrange(10000):04d}" if card else None,
            "card_token": f"tok_{rng.getrandbits(64):016x}" if card else "",
            "gateway": {"id": gateway_id, "name": gateway_name, "type": gateway_type},
            "is_3ds": card and rng.random() < 0.3,
            "optimized_3ds": False,
            "paypal_vault_id": f"PV-{rng.getrandbits(32):08X}" if not card else "",
            "sca_flow": "",
        },
        "report_values": {"amount": amount, "currency": order.currency},
    }


def refund_record(
    rng: random.Random,
    *,
    store: Store,
    order,
    amount: int,
    when: dt.datetime,
    full: bool,
    note: str = "",
    user_id: int = 0,
) -> dict:
    """One entry of an order's `refunds` (`amount` in cents), its refund transaction inside;
    `lines` are [line index, quantity] into the order's lines, or "all"."""
    tid = transaction_id(store, order.number, 5 + len(order.refunds or []))
    transaction = transaction_record(
        rng, store=store, tid=tid, order=order, kind="refund", status="succeeded", when=when, amount=cents(amount)
    )
    return {
        "id": tid,
        "created_at": iso(when),
        "amount": f"{cents(amount):.2f}",
        "note": note or ("Full refund" if full else "Partial refund: goodwill"),
        "lines": "all" if full else [],
        "shipping": f"{order.shipping_excl_tax + order.shipping_tax:.2f}" if full else "0.00",
        "transaction": transaction,
        "user_id": user_id,
    }


def transaction_row(order, record: dict) -> SimpleNamespace:
    """The `Transaction` row of one entry of an order's `transactions` (model attnames)."""
    details = record.get("payment_details") or {}
    gateway = details.get("gateway") or {}
    return SimpleNamespace(
        id=record["id"],
        store_id=order.store_id,
        order_id=order.id,
        customer_id=order.customer_id,
        type=record.get("type") or "",
        status=record.get("status") or "",
        amount=Decimal(str(record.get("amount") or "0")),
        currency=record.get("currency") or order.currency,
        payment_method=record.get("payment_method") or "",
        gateway_id=gateway.get("id"),
        is_external=bool(record.get("is_external")),
        is_test=bool(record.get("is_test")),
        is_3ds=bool(details.get("is_3ds")),
        external_id=record.get("external_id"),
        auth_code=record.get("auth_code"),
        bankcard_first_six=details.get("bankcard_first_six"),
        bankcard_last_four=details.get("bankcard_last_four"),
        date_created=dt.datetime.fromisoformat(record["date_created"].replace("Z", "+00:00")),
    )
