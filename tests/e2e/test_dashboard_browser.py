"""An operator's day in a real browser: filters that live in the URL, notes, replies,
and the all-stores inbox surviving a store that fails."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.dashboard.conftest import new_paid_order
from tests.e2e.helpers import htmx_settled
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator(connect_store):
    operator = OperatorFactory()
    for name in ("acme", "bergmann", "siam"):
        MembershipFactory(operator=operator, store=connect_store(name), role=Role.MANAGER)
    return operator


def order_rows(page):
    return page.locator("#order-rows tr.order-row")


def test_filter_orders_keeps_the_filter_in_the_url(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    # Switch store with the switcher in the top bar, then open its orders.
    page.locator("#store-switcher").click()
    page.locator(".dropdown-menu[aria-labelledby=store-switcher]").get_by_role(
        "link", name=re.compile("Acme Outfitters")
    ).click()
    page.wait_for_url("**/s/acme/")
    page.get_by_role("link", name="Orders", exact=True).click()
    page.wait_for_url("**/s/acme/orders/")
    expect(order_rows(page)).to_have_count(50)

    canceled = sandbox.order_numbers("acme", status="canceled")
    page.locator("#order-filters summary", has_text="Status").click()
    page.get_by_label("Canceled", exact=True).check()
    page.wait_for_url(re.compile(r"/s/acme/orders/\?status=canceled$"))
    expect(order_rows(page)).to_have_count(min(len(canceled), 50))
    expect(order_rows(page).first).to_have_attribute("data-order-number", canceled[0])
    expect(page.locator(".filter-chips")).to_contain_text("Status: Canceled")

    page.reload()
    expect(page.get_by_label("Canceled", exact=True)).to_be_checked()
    expect(order_rows(page)).to_have_count(min(len(canceled), 50))

    # Back returns to the unfiltered list.
    page.go_back()
    page.wait_for_url(re.compile(r"/s/acme/orders/$"))
    expect(order_rows(page)).to_have_count(50)
    page.go_forward()
    expect(order_rows(page)).to_have_count(min(len(canceled), 50))

    # A click on the row opens the order.
    order_rows(page).first.locator("td").nth(2).click()
    page.wait_for_url(f"**/s/acme/orders/{canceled[0]}/")
    expect(page.get_by_role("heading", name=f"Order #{canceled[0]}")).to_be_visible()
    # The tickets about the order load after the page.
    expect(page.locator("#order-tickets .card-header")).to_have_text("Tickets about this order")
    expect(page.locator("#order-tickets")).not_to_have_attribute("aria-busy", "true")
    assert page.js_errors == []


def test_removing_a_chip_updates_filters_results_and_url(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    page.goto("/s/acme/orders/?status=open&payment_status=paid")
    expect(page.locator(".filter-chips .chip")).to_have_count(2)
    page.get_by_role("link", name="Remove filter Payment: Paid").click()
    page.wait_for_url(re.compile(r"/s/acme/orders/\?status=open$"))
    expect(page.locator(".filter-chips .chip")).to_have_count(1)
    page.locator("#order-filters summary", has_text="Payment").click()
    expect(page.get_by_label("Paid", exact=True)).not_to_be_checked()


def test_load_more_appends_the_next_page(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    page.goto("/s/acme/orders/")
    expect(order_rows(page)).to_have_count(50)
    page.get_by_role("link", name="Load more").click()
    expect(order_rows(page)).to_have_count(100)
    numbers = sandbox.order_numbers("acme")[:100]
    assert order_rows(page).evaluate_all("rows => rows.map(r => r.dataset.orderNumber)") == numbers
    assert page.url.endswith("/s/acme/orders/")  # "Load more" does not change the URL


def test_add_a_note_to_an_order(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    number = sandbox.order_numbers("acme")[1]
    page.goto(f"/s/acme/orders/{number}/")
    page.get_by_role("textbox", name="Note").fill("Called the customer: all fine")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#order-note-list")).to_contain_text("Called the customer: all fine")
    expect(page.locator("#order-notes")).to_contain_text("Note added.")
    assert page.url.endswith(f"/s/acme/orders/{number}/")  # in place


@pytest.mark.parametrize(
    ("button", "css"), [("Add internal note", "thread-internal"), ("Send public reply", "thread-public")]
)
def test_reply_to_a_ticket(page, operator, sign_in, sandbox, button, css):
    sign_in(page, operator)
    page.goto("/s/acme/tickets/")
    page.locator("#ticket-rows tr.ticket-row").first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/s/acme/tickets/\d+/$"))
    text = f"{button} from the browser"
    page.get_by_label("Reply or note").fill(text)
    page.get_by_role("button", name=button).click()
    last = page.locator("#ticket-comments > li").last
    expect(last).to_contain_text(text)
    expect(last).to_have_class(re.compile(css))
    expect(page.get_by_label("Reply or note")).to_have_value("")


def test_the_all_stores_inbox_shows_every_store_and_survives_one_failing(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    page.goto("/tickets/")
    badges = page.locator("#all-ticket-results tr.ticket-row").evaluate_all("rows => rows.map(r => r.dataset.store)")
    assert set(badges) == {"acme", "bergmann", "siam"}

    sandbox.set_faults("bergmann", error_rate=1.0, error_statuses=[503])
    cache.clear()  # nothing kept from the first view: the failing store has nothing to show instead
    page.reload()
    expect(page.locator('[data-store-error="unavailable"]')).to_contain_text("Bergmann Haushaltswaren")
    badges = page.locator("#all-ticket-results tr.ticket-row").evaluate_all("rows => rows.map(r => r.dataset.store)")
    assert set(badges) == {"acme", "siam"}

    # Once the store answers again, Retry brings its rows back in place.
    sandbox.clear_faults("bergmann")
    page.locator('[data-store-error="unavailable"]').get_by_role("link", name="Retry").click()
    expect(page.locator('[data-store-error="unavailable"]')).to_have_count(0)
    badges = page.locator("#all-ticket-results tr.ticket-row").evaluate_all("rows => rows.map(r => r.dataset.store)")
    assert set(badges) == {"acme", "bergmann", "siam"}


def test_ticket_properties_change_in_place(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    page.goto("/s/acme/tickets/?status=pending")
    page.locator("#ticket-rows tr.ticket-row").first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/s/acme/tickets/\d+/$"))
    priority = page.locator("#ticket-properties").get_by_label("Priority")
    other = "low" if priority.input_value() != "low" else "high"
    priority.select_option(other)
    expect(page.locator("#ticket-properties")).to_contain_text("Saved.")
    expect(page.locator("#ticket-badges")).to_contain_text(other.capitalize())  # the header follows
    htmx_settled(page)
    page.locator("#ticket-properties").get_by_label("Status").select_option("solved")
    expect(page.locator("#ticket-badges")).to_contain_text("Solved")
    page.reload()
    expect(page.locator("#ticket-properties").get_by_label("Status")).to_have_value("solved")


def test_cancel_an_order_in_place_after_confirming(page, operator, sign_in, sandbox):
    sign_in(page, operator)
    number = new_paid_order(sandbox)
    page.goto(f"/s/acme/orders/{number}/")
    page.get_by_role("link", name="Cancel order…").click()
    expect(page.locator("#order-action")).to_contain_text("cannot be undone")
    expect(page.get_by_role("heading", name=f"Cancel order #{number}")).to_be_focused()
    page.get_by_role("link", name="Keep the order").click()  # closes the box, stays on the page
    expect(page.locator("#order-action")).to_be_empty()
    page.get_by_role("link", name="Cancel order…").click()
    page.get_by_role("button", name=f"Cancel order #{number}").click()
    expect(page.locator("#order-cancel")).to_contain_text("This field is required.")
    page.get_by_label("Reason").fill("Duplicate order")
    page.get_by_role("button", name=f"Cancel order #{number}").click()
    expect(page.locator("#order-body")).to_contain_text(f"Order #{number} was canceled.")
    expect(page.locator("#order-body .badge").first).to_have_text("Canceled")
    assert number in sandbox.order_numbers("acme", status="canceled")
