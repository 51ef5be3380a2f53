"""An order's page in a real browser: totals that read like a receipt, at a laptop's and
a phone's width, and only the actions the store would take.

With E2E_SCREENSHOTS=<folder> set, a picture of each width is kept there (for looking at
the page, not asserted).
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dashboard.formatting import format_money
from storeapi.roles import Role
from tests.dashboard.conftest import api_get, new_paid_order
from tests.e2e.helpers import htmx_settled, snap
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator(connect_store):
    operator = OperatorFactory()
    for name in ("acme", "bergmann"):
        MembershipFactory(operator=operator, store=connect_store(name), role=Role.MANAGER)
    return operator


def receipt(page) -> list[tuple[str, Decimal, str]]:
    """(kind, amount, text shown) of each row of the totals."""
    cells = page.locator("[data-receipt] dd[data-receipt-amount]")
    return [
        (cell.get_attribute("data-receipt-amount"), Decimal(cell.get_attribute("data-amount")), cell.inner_text())
        for cell in cells.all()
    ]


def an_order_with_a_discount_and_taxed_shipping(sandbox, store: str) -> dict:
    orders = sandbox.orders(store, detail=True)
    return next(
        o for o in orders if (o["voucher_discounts"] or o["offer_discounts"]) and Decimal(o["shipping_tax"]) > 0
    )


@pytest.mark.parametrize(
    ("store", "currency", "tax_row"), [("acme", "USD", "tax"), ("bergmann", "EUR", "included_tax")]
)
def test_the_totals_add_up_like_a_receipt_at_both_widths(page, operator, sign_in, sandbox, store, currency, tax_row):
    order = an_order_with_a_discount_and_taxed_shipping(sandbox, store)
    sign_in(page, operator)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/s/{store}/orders/{order['number']}/")
        rows = receipt(page)
        kinds = [kind for kind, _, _ in rows]
        total_at = kinds.index("total")
        assert "other" not in kinds
        assert sum(amount for _, amount, _ in rows[:total_at]) == rows[total_at][1] == Decimal(order["total_incl_tax"])
        assert dict((k, a) for k, a, _ in rows)[tax_row] == Decimal(order["total_tax"])
        # What a person reads: the store's total in its currency, discounts with a minus sign.
        assert rows[total_at][2] == format_money(order["total_incl_tax"], currency)
        assert all(text.startswith("\N{MINUS SIGN}") for kind, _, text in rows if kind == "discount")
        # Every figure is on the screen, not cut off or pushed past its edge: the totals,
        # and each line's amount (on a phone the SKU moves under the product for them).
        amounts = page.locator("section[aria-labelledby=order-lines-heading] tbody td:last-child")
        expect(amounts).to_have_count(len(order["lines"]))
        # And each transaction's amount (on a phone its type, gateway and status move under
        # the date, the method and the amount).
        transactions = page.locator("section[aria-labelledby=order-transactions-heading] tbody td:last-child")
        for cell in [*page.locator("[data-receipt] dd").all(), *amounts.all(), *transactions.all()]:
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, cell.inner_text())
        snap(page, f"order-{store}-{width}", full_page=True)
    assert page.js_errors == []


def test_a_long_product_name_or_sku_never_pushes_the_amounts_off_a_phone(page, operator, sign_in, sandbox):
    """Stores name products and SKUs as they like: one long word must wrap, not widen the
    table past the screen (a line's amount was pushed past the edge of a 390 px screen)."""
    order = an_order_with_a_discount_and_taxed_shipping(sandbox, "acme")
    sign_in(page, operator)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"/s/acme/orders/{order['number']}/")
    lines = page.locator("section[aria-labelledby=order-lines-heading] tbody td.line-product")
    # What such a store would send: a name of 60 letters and a SKU of 54 characters.
    lines.first.evaluate(
        """cell => {
            cell.insertAdjacentHTML('afterbegin', '<span>' + 'X'.repeat(60) + '</span>');
            cell.insertAdjacentHTML('beforeend', '<div class="small">SKU-' + '9'.repeat(50) + '</div>');
        }"""
    )
    amounts = page.locator("section[aria-labelledby=order-lines-heading] tbody td:last-child")
    for cell in amounts.all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
    assert page.js_errors == []


def test_only_the_actions_the_store_would_take_are_offered(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    fulfilled = sandbox.orders("acme", status="open", fulfillment_status="fulfilled", payment_status="paid")[0]
    page.goto(f"/s/acme/orders/{fulfilled['number']}/")
    expect(page.get_by_role("link", name="Refund…")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel order…")).to_have_count(0)

    for _ in range(20):
        number = new_paid_order(sandbox)
        if Decimal(api_get(sandbox, "acme", f"orders/{number}/")["shipping_incl_tax"]) > 0:
            break
    page.goto(f"/s/acme/orders/{number}/")
    page.get_by_role("link", name="Cancel order…").click()
    # A required field says so: its label carries the mark, the box the `required` state.
    expect(page.locator("#order-cancel label", has_text="Reason")).to_contain_text("*")
    expect(page.get_by_label("Reason")).to_have_attribute("required", "")
    page.get_by_role("link", name="Keep the order").click()

    page.get_by_role("link", name="Refund…").click()
    expect(page.locator("#order-refund label", has_text="Stock")).to_contain_text("*")
    page.get_by_label("Refund shipping").check()
    page.get_by_role("button", name="Calculate refund").click()
    page.get_by_role("button", name="Refund $").click()
    expect(page.locator("#order-body")).to_contain_text("Refunded $")
    htmx_settled(page)
    expect(page.locator("[data-receipt] dd[data-receipt-amount=refunded]")).to_be_visible()
    snap(page, "order-acme-after-shipping-refund", full_page=True)

    # The shipping went back once: it is not offered again, the items still are.
    page.get_by_role("link", name="Refund…").click()
    expect(page.get_by_role("button", name="Calculate refund")).to_be_visible()
    expect(page.get_by_label("Refund shipping")).to_have_count(0)
    snap(page, "order-acme-refund-form", full_page=True)
    assert page.js_errors == []
