"""A phone order in a real browser: find the customer, search products as you type, set
quantities (the total follows), send a payment link; the buyer pays on the sandbox's
page and the order page shows it paid without a reload."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dashboard.models import PhoneOrder
from storeapi.roles import Role
from tests.dashboard.conftest import PHONE_SCOPES, Api, unique_email
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


def test_a_phone_order_with_a_payment_link_from_search_to_paid(page, sign_in, site, connect_store, sandbox):
    store = connect_store("acme", scopes=PHONE_SCOPES)
    operator = OperatorFactory()
    MembershipFactory(operator=operator, store=store, role=Role.MANAGER)
    api = Api(sandbox)
    email = unique_email("browser")
    api("POST", "users/", json={"email": email, "first_name": "Bea", "last_name": "Rowser"})
    jacket = next(
        p for p in sandbox.products("acme") if p["title"] == "Packable Rain Jacket" and p["net_stock_level"] >= 10
    )
    sign_in(page, operator)

    page.goto("/s/acme/orders/new/")
    page.get_by_label("Find the customer").press_sequentially(email[:12], delay=20)
    page.get_by_label("Find the customer").fill(email)
    page.get_by_role("button", name=re.compile(f"Choose Bea Rowser \\({re.escape(email)}\\)")).click()
    expect(page.locator("#chosen-customer")).to_contain_text(email)
    # No saved address: a new one (the names come from the customer).
    expect(page.locator("[name=ship-first_name]")).to_have_value("Bea")
    page.locator("[name=ship-line1]").fill("12 Harbor Road")
    page.locator("[name=ship-line4]").fill("Portland")
    page.locator("[name=ship-state]").fill("ME")
    page.locator("[name=ship-postcode]").fill("04101")
    page.locator("[name=ship-country]").fill("US")

    # Enter in a search box searches (the whole form round-trips, nothing is placed).
    page.get_by_label("Product name or SKU").fill(jacket["sku"])
    page.get_by_label("Product name or SKU").press("Enter")
    expect(page.locator(f'#product-results tr[data-sku="{jacket["sku"]}"]')).to_have_count(1)
    expect(page.locator("[name=ship-line1]")).to_have_value("12 Harbor Road")
    expect(page.get_by_label("Product name or SKU")).to_be_focused()
    assert not PhoneOrder.objects.exists()
    page.get_by_label("Product name or SKU").fill("")
    page.get_by_label("Product name or SKU").press_sequentially("rain jack", delay=30)
    hit = page.locator(f'#product-results tr[data-sku="{jacket["sku"]}"]')
    expect(hit).to_contain_text(f"${jacket['price']}")
    expect(hit).to_contain_text(f"{jacket['net_stock_level']} in stock")
    hit.get_by_role("button", name="Add").click()
    expect(page.locator("#order-lines .order-line")).to_have_count(1)
    page.locator(f"#quantity-{jacket['id']}").fill("2")
    page.locator(f"#quantity-{jacket['id']}").blur()
    total = Decimal(jacket["price"]) * 2 + Decimal("7.95")
    expect(page.locator("#order-total")).to_have_text(f"${total:,.2f}")
    page.locator("[name=tags]").fill("phone-order")
    expect(page.get_by_label("Send a payment link (PayPal)")).to_be_checked()

    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/s/acme/orders/\d+/$"))
    expect(page.locator("#messages")).to_contain_text("send the customer the payment link")
    link = page.locator("#payment-link").input_value()
    assert link.startswith(sandbox.base_url + "/acme/checkout/pay/")
    expect(page.locator("[data-payment-status]")).to_have_attribute("data-payment-status", "awaiting")

    outcome = sandbox.approve_payment(link)
    assert outcome["postback_status"] == 200
    # The panel polls Storedesk's record; once paid, the order page loads again by itself.
    expect(page.locator("[data-payment-status]")).to_have_attribute("data-payment-status", "paid", timeout=15_000)
    expect(page.locator("#order-payment")).to_contain_text("The buyer paid with PayPal")
    expect(page.locator("#order-body")).to_contain_text("Paid")
    expect(page.locator("#order-body")).not_to_contain_text("Outstanding")
    assert page.js_errors == []


def test_a_second_submission_while_the_first_is_placed_follows_it_to_the_order(
    page, sign_in, site, connect_store, sandbox
):
    """Answered at once ("already being placed"), then the page polls the first
    submission and opens the order's page as soon as it exists."""
    store = connect_store("acme", scopes=PHONE_SCOPES)
    operator = OperatorFactory()
    MembershipFactory(operator=operator, store=store, role=Role.MANAGER)
    email = unique_email("second")
    Api(sandbox)("POST", "users/", json={"email": email, "first_name": "Sec", "last_name": "Ond"})
    product = next(p for p in sandbox.products("acme") if p["track_stock"] and p["net_stock_level"] >= 5)
    sign_in(page, operator)

    page.goto("/s/acme/orders/new/")
    page.get_by_label("Find the customer").fill(email)
    page.get_by_role("button", name=re.compile(f"Choose Sec Ond \\({re.escape(email)}\\)")).click()
    expect(page.locator("#chosen-customer")).to_contain_text(email)
    for name, value in {"line1": "1 Main St", "line4": "Boston", "state": "MA", "postcode": "02101"}.items():
        page.locator(f"[name=ship-{name}]").fill(value)
    page.locator("[name=ship-country]").fill("US")
    page.get_by_label("Product name or SKU").fill(product["sku"])
    page.get_by_label("Product name or SKU").press("Enter")
    page.locator(f'#product-results tr[data-sku="{product["sku"]}"]').get_by_role("button", name="Add").click()
    expect(page.locator("#order-lines .order-line")).to_have_count(1)
    # Another tab (or a double click) already sent this form: it waits for the store.
    key = page.locator("[name=key]").input_value()
    first = PhoneOrder.objects.create(
        key=key, store=store, operator=operator, payment="link", state=PhoneOrder.State.RESERVED
    )

    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#order-placing")).to_contain_text("This order is already being placed")
    # The first submission gets its order: the page follows by itself.
    number = sandbox.order_numbers("acme")[0]
    PhoneOrder.objects.filter(pk=first.pk).update(state=PhoneOrder.State.CREATED, order_number=number)
    page.wait_for_url(re.compile(rf"/s/acme/orders/{number}/$"))
    expect(page.locator("#messages")).to_contain_text(f"Order #{number} created")
    assert page.js_errors == [] and page.console_errors == []
