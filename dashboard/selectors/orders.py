"""Orders of one store, and what an order's figures and statuses mean (its receipt, the
actions the store would take)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from storeapi.client import Page, StoreClient

from ..formatting import humanize_code
from ..models import OperatorAuthorship
from .authorship import notes_label_operators


def order_list_page(*, store, params: dict, cursor: str | None = None) -> Page:
    """One page of the store's orders, newest first: one upstream request."""
    return StoreClient.for_store(store).list_page("orders/", params, cursor=cursor, cached=True)


def order_get(*, store, number: str, fresh: bool = False) -> dict:
    """One order. Served from the shared cache (invalidated by webhooks and by our own
    writes) unless `fresh`."""
    return StoreClient.for_store(store).get(f"orders/{number}/", cached=True, fresh=fresh)


def order_notes_page(*, store, number: str, cursor: str | None = None) -> Page:
    """The order's notes, newest first; those written through Storedesk name their
    operator (`operator_name`)."""
    page = StoreClient.for_store(store).list_page(f"orders/{number}/notes/", cursor=cursor, cached=True)
    notes_label_operators(store=store, kind=OperatorAuthorship.Kind.ORDER_NOTE, parent_id=number, notes=page.results)
    return page


def order_tickets_page(*, store, number: str) -> Page:
    """Support tickets that mention the order (the platform's `order_number` filter)."""
    return StoreClient.for_store(store).list_page("tickets/", {"order_number": number}, cached=True)


# --- what an order's figures and statuses mean ----------------------------------------------
# Pure functions of the order the store answered: the page's receipt and the actions the
# store would take. No request of their own.

CENT = Decimal("0.01")
ZERO = Decimal("0")


def _amount(value) -> Decimal | None:
    """A decimal string of the API as a Decimal; None when missing or not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _amount0(value) -> Decimal:
    return _amount(value) or ZERO


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class ReceiptLine:
    line: dict  # the order line as the store gave it
    quantity: int
    unit_price: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True)
class ReceiptRow:
    kind: str  # items, discount, shipping, tax, other, total; after it: included_tax, refunded, net, outstanding
    label: str
    amount: Decimal
    rate: Decimal | None = None  # a tax row's rate (0.0725), when one rate applies

    @property
    def negative(self) -> bool:
        return self.amount < 0

    @property
    def magnitude(self) -> Decimal:
        """The amount without its sign (the page writes a minus sign before it)."""
        return abs(self.amount)


@dataclass(frozen=True)
class Receipt:
    """An order's figures the way a receipt shows them.

    `rows` add up: each row's amount (discounts negative) sums to the last row, the
    total, which is the store's `total_incl_tax`. Everything in `rows` and `lines` is
    before tax when the store displays taxes exclusive (then a tax row is added), after
    tax when inclusive (then `after` says how much tax the total includes). `after`
    holds what happened since: refunds, the total after them, what is still to be paid.
    """

    currency: str
    tax_inclusive: bool
    lines: list[ReceiptLine]
    rows: list[ReceiptRow]
    after: list[ReceiptRow] = field(default_factory=list)

    def row(self, kind: str) -> ReceiptRow | None:
        return next((r for r in [*self.rows, *self.after] if r.kind == kind), None)

    @property
    def adds_up(self) -> bool:
        """Whether the store's own figures explain the total with nothing left over
        (no "other discounts" or "other charges" row was needed)."""
        return self.row("other") is None


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` in cents, shared in proportion to `weights`; the rounding goes to the last."""
    whole = sum(weights, ZERO)
    shares = [(total * w / whole).quantize(CENT, ROUND_HALF_UP) for w in weights[:-1]] if whole else []
    return [*shares, total - sum(shares, ZERO)]


def _one_tax(tax_lines: list[dict]) -> tuple[str, Decimal | None]:
    """The tax's title and rate when the order has one kind of tax ("Sales Tax", 0.0725)."""
    kinds = {(str(t.get("tax_title") or "Tax"), _amount(t.get("rate"))) for t in tax_lines}
    if len(kinds) == 1:
        title, rate = kinds.pop()
        return title, rate if rate else None
    return "Tax", None


def _discounts(order: dict) -> list[tuple[str, Decimal]]:
    """The store's named discounts: offers, then coupons, with their amounts as given."""
    named = []
    for discount in _dicts(order.get("offer_discounts")):
        named.append((f"Offer: {discount.get('name') or discount.get('description') or 'discount'}", discount))
    for discount in _dicts(order.get("voucher_discounts")):
        voucher = discount.get("voucher") if isinstance(discount.get("voucher"), dict) else {}
        named.append((f"Coupon {voucher.get('code') or discount.get('name') or ''}".strip(), discount))
    return [(label, _amount0(d.get("amount"))) for label, d in named]


def order_receipt(order: dict) -> Receipt:
    """The receipt of an order (see `Receipt`), from the store's own figures.

    Lines are priced at their ordered quantity (what the total was made of; refunds come
    after the total). Before or after tax as the store displays taxes (`display_taxes`:
    "exclusive", otherwise inclusive). The discount is what the total leaves of the
    lines and shipping, shown under the store's names for it: the platform gives the
    discounts' amounts without saying whether before or after tax, so when their sum
    is the other of the two they are scaled to the one shown. Whatever the named
    discounts do not explain is a row of its own ("Other discounts" or "Other charges"),
    so the rows always add up to the store's total and a gap is visible, not hidden.
    """
    currency = str(order.get("currency") or "")
    inclusive = str(order.get("display_taxes") or "").lower() != "exclusive"

    lines, items_incl, items_excl = [], ZERO, ZERO
    for line in _dicts(order.get("lines")):
        quantity = int(_amount0(line.get("quantity")))
        incl, excl = _amount(line.get("price_incl_tax")), _amount(line.get("price_excl_tax"))
        items_incl += (incl or ZERO) * quantity
        items_excl += (excl or ZERO) * quantity
        unit = incl if inclusive else excl
        lines.append(ReceiptLine(line, quantity, unit, unit * quantity if unit is not None else None))

    total = _amount0(order.get("total_incl_tax"))
    total_excl = _amount(order.get("total_excl_tax"))
    tax = _amount(order.get("total_tax"))
    if tax is None:
        tax = total - total_excl if total_excl is not None else ZERO
    shipping_incl = _amount0(order.get("shipping_incl_tax"))
    shipping_excl = _amount(order.get("shipping_excl_tax"))
    if shipping_excl is None:
        shipping_excl = shipping_incl - _amount0(order.get("shipping_tax"))

    # What the total leaves of the items and the shipping, after tax and before it.
    discount_incl = items_incl + shipping_incl - total
    discount_excl = items_excl + shipping_excl + tax - total
    items, shipping, discount = (
        (items_incl, shipping_incl, discount_incl) if inclusive else (items_excl, shipping_excl, discount_excl)
    )
    other_basis = discount_excl if inclusive else discount_incl

    rows = [ReceiptRow("items", f"Items ({'incl.' if inclusive else 'excl.'} tax)", items)]
    named = _discounts(order)
    named_sum = sum((amount for _, amount in named), ZERO)
    if named and named_sum != discount and named_sum == other_basis and named_sum > 0:
        # The store gave the discounts in the other basis: shown in this one, in proportion.
        amounts = _split(discount, [amount for _, amount in named])
        named = [(label, amount) for (label, _), amount in zip(named, amounts, strict=True)]
    rows += [ReceiptRow("discount", label, -amount) for label, amount in named]
    method = str(order.get("shipping_method") or "")
    rows.append(ReceiptRow("shipping", f"Shipping ({method})" if method else "Shipping", shipping))
    title, rate = _one_tax([*_dicts(order.get("tax_lines")), *_dicts(order.get("shipping_tax_lines"))])
    if not inclusive:
        rows.append(ReceiptRow("tax", title, tax, rate))
    other = discount - sum((amount for _, amount in named), ZERO)
    if other:
        rows.append(ReceiptRow("other", "Other discounts" if other > 0 else "Other charges", -other))
    rows.append(ReceiptRow("total", "Total", total))

    after = []
    if inclusive and tax:
        after.append(ReceiptRow("included_tax", "Includes tax" if title == "Tax" else f"Includes {title}", tax, rate))
    refunded = sum((_amount0(r.get("total_refund_amount")) for r in _dicts(order.get("refunds"))), ZERO)
    if refunded:
        after.append(ReceiptRow("refunded", "Refunded", -refunded))
        after.append(ReceiptRow("net", "Total after refunds", total - refunded))
    outstanding = _amount0(order.get("total_outstanding"))
    if outstanding:
        after.append(ReceiptRow("outstanding", "Outstanding (not paid yet)", outstanding))
    return Receipt(currency=currency, tax_inclusive=inclusive, lines=lines, rows=rows, after=after)


# What the store takes, from the order's statuses (the platform's Order schema and the
# sandbox, which answers as the platform does): a fulfilled order is not canceled (the
# store says "refund it instead"), a canceled one not again; money is refunded only from
# a captured payment; shipping only once.
NOT_CANCELABLE_FULFILLMENT = ("fulfilled", "partially_fulfilled")
REFUNDABLE_PAYMENT = ("paid", "partially_paid", "partially_refunded")


@dataclass(frozen=True)
class OrderActions:
    cancel: bool
    cancel_refusal: str  # why not, in words, when not
    refund: bool
    refund_refusal: str
    shipping_refundable: Decimal  # what of the shipping (incl. tax) can still be refunded


def order_actions(order: dict) -> OrderActions:
    """Which of cancel and refund the store would take for this order, and why not."""
    status = order.get("status")
    fulfillment = order.get("fulfillment_status")
    payment = order.get("payment_status")
    if status == "canceled":
        cancel_refusal = "This order is already canceled."
    elif fulfillment in NOT_CANCELABLE_FULFILLMENT:
        cancel_refusal = "A fulfilled order cannot be canceled; refund it instead."
    else:
        cancel_refusal = ""
    if payment in REFUNDABLE_PAYMENT:
        refund_refusal = ""
    elif payment == "refunded":
        refund_refusal = "The payment of this order was refunded in full already."
    else:
        refund_refusal = f"No payment of this order was captured (payment: {humanize_code(payment)})."
    refunded_shipping = sum(
        (
            _amount0(adjustment.get("amount_incl_tax"))
            for refund in _dicts(order.get("refunds"))
            for adjustment in _dicts(refund.get("adjustments"))
            if adjustment.get("type") == "refund_shipping"
        ),
        ZERO,
    )
    shipping = max(ZERO, _amount0(order.get("shipping_incl_tax")) - refunded_shipping)
    return OrderActions(
        cancel=not cancel_refusal,
        cancel_refusal=cancel_refusal,
        refund=not refund_refusal,
        refund_refusal=refund_refusal,
        shipping_refundable=shipping if not refund_refusal else ZERO,
    )
