"""Finding a SKU across stores in a real browser: the operator types it once and sees,
side by side, that Acme is out of what Bergmann has, then opens Acme's product."""

import re

import pytest
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.dashboard.conftest import PHONE_SCOPES
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator(connect_store):
    operator = OperatorFactory()
    for name in ("acme", "bergmann"):
        MembershipFactory(operator=operator, store=connect_store(name, scopes=PHONE_SCOPES), role=Role.VIEWER)
    return operator


def test_a_sku_found_across_stores(page, operator, sign_in, sandbox):
    shirt = next(p for p in sandbox.products("acme") if p["variant_title"] == "M / Black")
    assert shirt["net_stock_level"] <= 0  # the seed: out at Acme, in stock at Bergmann
    sign_in(page, operator)
    page.get_by_role("link", name="All products").click()
    page.wait_for_url("**/products/")
    page.get_by_label("SKU or title").fill(shirt["sku"].lower())
    page.wait_for_url(re.compile(r"/products/\?q=" + shirt["sku"].lower()))

    rows = page.locator("#catalogue-table tbody tr")
    expect(rows).to_have_count(2)
    acme, bergmann = rows.nth(0), rows.nth(1)
    expect(acme).to_contain_text("Acme Outfitters")
    expect(acme.locator("[data-stock]:visible")).to_have_text("Out")
    expect(bergmann).to_contain_text("Bergmann Haushaltswaren")
    expect(bergmann.locator("[data-stock]:visible")).to_have_text(re.compile("In stock|Low"))
    expect(bergmann).to_contain_text("€")

    # On a phone the stock stays on screen (beside the price), not past the table's edge.
    page.set_viewport_size({"width": 390, "height": 800})
    expect(acme.locator("[data-stock]:visible")).to_have_text("Out")
    expect(acme.locator("[data-stock]:visible")).to_be_in_viewport()
    expect(bergmann.locator("[data-stock]:visible")).to_be_in_viewport()
    page.set_viewport_size({"width": 1400, "height": 900})

    # The row opens Acme's product at that variant, its stock per location below.
    acme.get_by_role("link", name="Organic Cotton T-Shirt").click()
    page.wait_for_url(re.compile(rf"/s/acme/products/{shirt['product_id']}/#variant-{shirt['id']}$"))
    variant = page.locator(f"#variant-{shirt['id']}")
    expect(variant).to_contain_text(shirt["sku"])
    expect(variant.locator("tbody tr")).to_have_count(2)
    expect(variant).to_contain_text("Main warehouse")
    # The lazy panels load by themselves.
    expect(page.locator("#product-orders .card-header")).to_have_text("Recent orders")
    expect(page.locator("#product-tickets .card-header")).to_have_text("Tickets about this product")
    expect(page.locator("#product-orders[aria-busy]")).to_have_count(0)
    assert page.js_errors == [] and page.console_errors == []


@pytest.mark.parametrize(("store", "width"), [("acme", 1366), ("bergmann", 1366), ("bergmann", 1440)])
def test_the_top_bar_with_products_fits_a_laptop_window(page, connect_store, sign_in, store, width):
    """The navigation gained Products: at a common laptop width the top bar (store switcher,
    links, search, the operator's e-mail, a long one here) still fits, with no sideways
    scrolling."""
    operator = OperatorFactory(email="alexandra.konstantinopoulou-meyer@support.example.com")
    MembershipFactory(operator=operator, store=connect_store(store, scopes=PHONE_SCOPES), role=Role.VIEWER)
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, operator)
    page.goto(f"/s/{store}/products/")
    expect(page.get_by_role("link", name="Products", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.locator("#account-menu")).to_be_in_viewport(ratio=1)


def test_a_stores_products_filtered_as_one_types_and_loaded_page_by_page(page, operator, sign_in, sandbox):
    sandbox.set_page_size("acme", 10)
    sign_in(page, operator)
    page.goto("/s/acme/")
    page.get_by_role("link", name="Products", exact=True).click()
    page.wait_for_url("**/s/acme/products/")
    rows = page.locator("#product-rows tr[data-product]")
    expect(rows).to_have_count(10)
    page.get_by_role("link", name="Load more").click()
    expect(rows).to_have_count(20)
    page.get_by_label("Search", exact=True).fill("rain jacket")
    page.wait_for_url(re.compile(r"/s/acme/products/\?title=rain(%20|\+)jacket$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Packable Rain Jacket")
    expect(rows.first.locator("[data-stock]")).to_have_text("Low")  # one of its two variants is low
    expect(page.locator(".filter-chips")).to_contain_text("Search: rain jacket")
    assert page.js_errors == [] and page.console_errors == []
