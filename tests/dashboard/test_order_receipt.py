"""An order's receipt and the actions the store would take (dashboard.selectors.orders):
pure functions of the order the store answered, so plain unit tests. The pages built on
them are tested against the sandbox in test_orders.py and test_order_actions.py."""

from decimal import Decimal

import pytest

from dashboard.forms.orders import CancelOrderForm, RefundForm
from dashboard.selectors.orders import order_actions, order_receipt

D = Decimal


def line(price_excl: str, tax: str, quantity: int, **extra) -> dict:
    excl = D(price_excl)
    return {
        "id": extra.pop("id", 1),
        "product_title": "Item",
        "quantity": quantity,
        "current_quantity": quantity,
        "price_excl_tax": f"{excl:.2f}",
        "price_incl_tax": f"{excl + D(tax):.2f}",
        **extra,
    }


def tax_lines(title: str, rate: float) -> list[dict]:
    return [{"tax_title": title, "rate": rate, "amount": "0.00"}]


def amounts(receipt) -> dict[str, Decimal]:
    return {row.kind: row.amount for row in [*receipt.rows, *receipt.after]}


def assert_adds_up(receipt):
    *parts, total = receipt.rows
    assert total.kind == "total"
    assert sum((row.amount for row in parts), D(0)) == total.amount


# The order of the issue: the page said "Subtotal (excl. tax) 31.90" (which held the
# shipping), then shipping 8.53 and taxes 1.74 and 0.58, and a total of 34.22.
ACME_ORDER = {
    "currency": "USD",
    "display_taxes": "exclusive",
    "lines": [line("9.99", "0.72", 1, id=1), line("6.98", "0.51", 2, id=2)],
    "shipping_method": "Standard Shipping",
    "shipping_excl_tax": "7.95",
    "shipping_tax": "0.58",
    "shipping_incl_tax": "8.53",
    "total_excl_tax": "31.90",
    "total_tax": "2.32",
    "total_incl_tax": "34.22",
    "total_outstanding": "0.00",
    "offer_discounts": [],
    "voucher_discounts": [],
    "tax_lines": tax_lines("Sales Tax", 0.0725),
    "shipping_tax_lines": tax_lines("Sales Tax", 0.0725),
    "refunds": [],
}


def test_a_store_showing_prices_before_tax_gets_a_receipt_before_tax():
    receipt = order_receipt(ACME_ORDER)
    assert not receipt.tax_inclusive and receipt.currency == "USD"
    assert [(row.kind, row.label, row.amount) for row in receipt.rows] == [
        ("items", "Items (excl. tax)", D("23.95")),
        ("shipping", "Shipping (Standard Shipping)", D("7.95")),
        ("tax", "Sales Tax", D("2.32")),
        ("total", "Total", D("34.22")),
    ]
    assert receipt.row("tax").rate == D("0.0725")
    assert [(item.unit_price, item.amount) for item in receipt.lines] == [
        (D("9.99"), D("9.99")),
        (D("6.98"), D("13.96")),
    ]
    assert_adds_up(receipt)
    assert receipt.adds_up and receipt.after == []


def test_a_coupon_in_a_store_showing_prices_after_tax():
    # Bergmann: 19 % included. Lines 2 x 11.90 and 5.95 = 29.75; coupon 10 % = 2.98
    # (0.48 of it tax); shipping 4.90 (0.78 tax); total 31.67, tax 5.05.
    order = {
        "currency": "EUR",
        "display_taxes": "inclusive",
        "lines": [line("10.00", "1.90", 2, id=1), line("5.00", "0.95", 1, id=2)],
        "shipping_method": "DHL Paket",
        "shipping_excl_tax": "4.12",
        "shipping_incl_tax": "4.90",
        "total_excl_tax": "26.62",
        "total_tax": "5.05",
        "total_incl_tax": "31.67",
        "total_discount": "2.98",
        "voucher_discounts": [{"name": "SAVE10", "amount": "2.98", "voucher": {"code": "SAVE10"}}],
        "offer_discounts": [],
        "tax_lines": tax_lines("MwSt.", 0.19),
        "shipping_tax_lines": tax_lines("MwSt.", 0.19),
    }
    receipt = order_receipt(order)
    assert receipt.tax_inclusive
    assert [(row.kind, row.label, row.amount) for row in receipt.rows] == [
        ("items", "Items (incl. tax)", D("29.75")),
        ("discount", "Coupon SAVE10", D("-2.98")),
        ("shipping", "Shipping (DHL Paket)", D("4.90")),
        ("total", "Total", D("31.67")),
    ]
    assert_adds_up(receipt)
    included = receipt.row("included_tax")
    assert (included.label, included.amount, included.rate) == ("Includes MwSt.", D("5.05"), D("0.19"))


def test_a_discount_given_after_tax_is_shown_before_tax_where_the_store_shows_prices_so():
    # Acme: 7.25 % on top. Lines 2 x 20.00 and 10.00 = 50.00 (3.63 tax); offer 10 % =
    # 5.36 after tax, 5.00 before; shipping 7.95 + 0.58; total 56.80, tax 3.85.
    order = {
        **ACME_ORDER,
        "lines": [line("20.00", "1.45", 2, id=1), line("10.00", "0.73", 1, id=2)],
        "total_excl_tax": "52.95",
        "total_tax": "3.85",
        "total_incl_tax": "56.80",
        "total_discount": "5.36",
        "offer_discounts": [{"name": "Bundle 10%", "amount": "5.36"}],
    }
    receipt = order_receipt(order)
    assert amounts(receipt) == {
        "items": D("50.00"),
        "discount": D("-5.00"),
        "shipping": D("7.95"),
        "tax": D("3.85"),
        "total": D("56.80"),
    }
    assert receipt.row("discount").label == "Offer: Bundle 10%"
    assert_adds_up(receipt)
    assert receipt.adds_up


def test_two_discounts_shown_in_the_other_basis_are_shared_in_proportion():
    order = {
        **ACME_ORDER,
        "lines": [line("20.00", "1.45", 2, id=1), line("10.00", "0.73", 1, id=2)],
        "total_excl_tax": "52.95",
        "total_tax": "3.85",
        "total_incl_tax": "56.80",
        "offer_discounts": [{"name": "Bundle", "amount": "2.68"}],
        "voucher_discounts": [{"name": "X", "amount": "2.68", "voucher": {"code": "HALF"}}],
    }
    receipt = order_receipt(order)
    discounts = [row for row in receipt.rows if row.kind == "discount"]
    assert [(row.label, row.amount) for row in discounts] == [
        ("Offer: Bundle", D("-2.50")),
        ("Coupon HALF", D("-2.50")),
    ]
    assert_adds_up(receipt)
    assert receipt.adds_up


def test_refunds_and_what_is_still_to_be_paid_come_after_the_total():
    order = {
        **ACME_ORDER,
        "total_outstanding": "4.22",
        "refunds": [{"total_refund_amount": "10.00"}, {"total_refund_amount": "2.50"}],
    }
    receipt = order_receipt(order)
    assert [(row.kind, row.amount) for row in receipt.after] == [
        ("refunded", D("-12.50")),
        ("net", D("21.72")),
        ("outstanding", D("4.22")),
    ]
    assert_adds_up(receipt)


def test_what_the_named_discounts_do_not_explain_is_a_row_of_its_own():
    # The store's total is 1.00 below its lines and shipping, and it names no discount.
    order = {**ACME_ORDER, "total_excl_tax": "30.90", "total_incl_tax": "33.22"}
    receipt = order_receipt(order)
    assert (receipt.row("other").label, receipt.row("other").amount) == ("Other discounts", D("-1.00"))
    assert not receipt.adds_up
    assert_adds_up(receipt)
    # And a total above them: a charge.
    order = {**ACME_ORDER, "total_excl_tax": "32.40", "total_incl_tax": "34.72"}
    receipt = order_receipt(order)
    assert (receipt.row("other").label, receipt.row("other").amount) == ("Other charges", D("0.50"))
    assert_adds_up(receipt)


@pytest.mark.parametrize("currency", ["THB", "JPY", ""])
def test_any_currency_and_missing_figures(currency):
    receipt = order_receipt({"currency": currency, "lines": [{"quantity": 1, "price_incl_tax": "not a number"}]})
    assert receipt.currency == currency and receipt.tax_inclusive
    assert receipt.lines[0].amount is None
    assert_adds_up(receipt)
    assert order_receipt({}).row("total").amount == 0


# --- what the store would take --------------------------------------------------------------


def test_a_fulfilled_order_is_not_offered_for_canceling():
    for fulfillment in ("fulfilled", "partially_fulfilled"):
        actions = order_actions({"status": "open", "payment_status": "paid", "fulfillment_status": fulfillment})
        assert not actions.cancel and "refund it instead" in actions.cancel_refusal
        assert actions.refund
    actions = order_actions({"status": "canceled", "payment_status": "voided", "fulfillment_status": "unfulfilled"})
    assert not actions.cancel and not actions.refund
    actions = order_actions({"status": "open", "payment_status": "paid", "fulfillment_status": "unfulfilled"})
    assert actions.cancel and actions.cancel_refusal == ""


@pytest.mark.parametrize(
    ("payment", "refund"),
    [
        ("paid", True),
        ("partially_paid", True),
        ("partially_refunded", True),
        ("refunded", False),
        ("pending", False),
        ("authorized", False),
        ("voided", False),
        (None, False),
    ],
)
def test_a_refund_is_offered_only_for_a_captured_payment(payment, refund):
    actions = order_actions({"status": "open", "payment_status": payment, "shipping_incl_tax": "8.53"})
    assert actions.refund is refund
    assert actions.shipping_refundable == (D("8.53") if refund else 0)


def test_shipping_is_offered_for_a_refund_once():
    refunds = [{"adjustments": [{"type": "refund_shipping", "amount_incl_tax": "8.53"}]}]
    order = {"status": "open", "payment_status": "partially_refunded", "shipping_incl_tax": "8.53", "refunds": refunds}
    assert order_actions(order).shipping_refundable == 0
    # Part of it refunded: the rest is offered; a refund of something else leaves it whole.
    refunds = [{"adjustments": [{"type": "refund_shipping", "amount_incl_tax": "3.00"}]}, {"adjustments": []}]
    assert order_actions({**order, "refunds": refunds}).shipping_refundable == D("5.53")
    # Free shipping is nothing to refund.
    assert order_actions({**order, "shipping_incl_tax": "0.00", "refunds": []}).shipping_refundable == 0


def test_the_refund_form_offers_the_shipping_only_while_some_is_left():
    order = {"lines": [line("10.00", "0.73", 1)]}
    assert "refund_shipping" in RefundForm(order=order, shipping_refundable=D("8.53")).fields
    form = RefundForm({"restock_type": "no_restock", "refund_shipping": "on"}, order=order, shipping_refundable=D(0))
    assert "refund_shipping" not in form.fields
    assert not form.is_valid() and form.non_field_errors() == ["Choose at least one item to refund."]


def test_the_cancel_form_offers_a_full_refund_only_with_a_payment():
    assert "full_refund" in CancelOrderForm().fields
    form = CancelOrderForm({"cancel_reason": "asked", "full_refund": "on"}, refundable=False)
    assert "full_refund" not in form.fields and form.is_valid()
    assert form.fields["cancel_reason"].required
