"""The new-order page's money, without a store: line totals, the items' total, and the
estimate with the chosen shipping (the pages themselves are in test_phone_orders.py)."""

from decimal import Decimal

from dashboard.forms.phone_orders import OrderForm
from dashboard.new_order_page import Line, OrderPage
from dashboard.selectors.catalogue import ShippingMethod, Variant

STANDARD = ShippingMethod(code="standard", name="Standard", price=Decimal("4.95"), delivery_time="")
PICKUP = ShippingMethod(code="pickup", name="Pickup", price=None, delivery_time="")


def variant(price, stock=None) -> Variant:
    return Variant(
        id=1,
        title="Jacket",
        variant_title="",
        sku="J-1",
        price=None if price is None else Decimal(price),
        currency="USD",
        stock=stock,
        availability="in_stock",
        purchasable=True,
        requires_shipping=True,
    )


def page(lines, *, methods=(STANDARD,), shipping_code=None) -> OrderPage:
    initial = {"shipping_code": shipping_code} if shipping_code else {}
    form = OrderForm(initial=initial, shipping_methods=methods)
    return OrderPage(store=None, form=form, lines=list(lines), methods=list(methods))


def test_a_line_is_its_price_times_its_quantity_and_knows_when_stock_is_short():
    line = Line(variant_id=1, quantity=3, variant=variant("19.99", stock=2))
    assert line.total == Decimal("59.97") and line.short_of_stock
    assert Line(variant_id=1, quantity=2, variant=variant("19.99", stock=2)).short_of_stock is False
    assert Line(variant_id=1, quantity=1).total is None  # the product could not be read


def test_the_estimate_is_the_items_and_the_chosen_shipping():
    lines = [Line(1, 2, variant("10.00")), Line(2, 1, variant("5.50"))]
    assert page(lines).items_total == Decimal("25.50")
    assert page(lines).estimated_total == Decimal("30.45")  # the first method unless one is chosen
    both = (STANDARD, PICKUP)
    assert page(lines, methods=both, shipping_code="pickup").estimated_total == Decimal("25.50")  # no price: 0


def test_no_total_while_a_price_is_unknown_or_there_are_no_lines():
    assert page([Line(1, 1, variant("10.00")), Line(2, 1, variant(None))]).items_total is None
    assert page([Line(1, 1, variant(None))]).estimated_total is None
    assert page([]).items_total is None
