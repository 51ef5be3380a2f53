"""What a person sees on a 390 px phone and a 1366 px laptop, without JavaScript, and on
the error pages (issue 11, "Screens" and "Error pages"). Every test here, like every
browser test, also ends with no JavaScript or console error (tests/e2e/conftest.py).

With E2E_SCREENSHOTS=<folder> set, the tests save what they looked at there."""

import re

import pytest
from playwright.sync_api import expect

from storeapi.events import new_count_bump
from storeapi.roles import Role
from tests.dashboard.conftest import unique_email
from tests.e2e.helpers import assert_no_errors, htmx_settled, snap, watch_errors
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
# The cells a card shows (dashboard/templatetags/list_tables.py); the others are not shown.
CARD_CELLS = ("cell-primary", "cell-aside", "cell-customer", "cell-time")


@pytest.fixture
def operator(connect_store):
    # A long address, as real ones are: the navigation must still fit on one line.
    operator = OperatorFactory(email="ana.beatriz.fernandes@storedesk-example.com")
    for name in ("acme", "bergmann"):
        MembershipFactory(operator=operator, store=connect_store(name), role=Role.MANAGER)
    return operator


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_cards(page, table: str, row: str) -> None:
    first = page.locator(f"{table} tbody tr.{row}").first
    expect(first).to_be_visible()
    expect(page.locator(f"{table} thead")).to_be_hidden()
    for cell in CARD_CELLS:
        expect(first.locator(f"td.{cell}")).to_be_visible()
    hidden = first.locator("td:not([class])")  # payment, priority, type, ...: not on a card
    assert hidden.count() > 0
    for n in range(hidden.count()):
        expect(hidden.nth(n)).to_be_hidden()
    box = first.bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] < 120  # a compact card, not a squeezed table row
    assert no_sideways_scrolling(page)


# --- a 390 px phone ----------------------------------------------------------------------------


def test_on_a_phone_orders_are_cards_and_filters_and_actions_fold_behind_buttons(page, operator, sign_in, sandbox):
    page.set_viewport_size(PHONE)
    sign_in(page, operator)
    page.goto("/s/acme/orders/")
    assert_cards(page, "#order-table", "order-row")
    expect(page.locator("#order-rows tr.order-row").first.locator("td.cell-status")).to_be_visible()
    snap(page, "orders-390")

    filters = page.locator("#order-filters")
    expect(filters).to_be_hidden()
    page.locator("#order-filters-fold > summary").click()
    expect(filters).to_be_visible()
    filters.locator("summary", has_text="Status").click()
    filters.get_by_label("Canceled", exact=True).check()
    page.wait_for_url(re.compile(r"\?status=canceled$"))
    canceled = sandbox.order_numbers("acme", status="canceled")
    expect(page.locator("#order-rows tr.order-row").first).to_have_attribute("data-order-number", canceled[0])
    expect(page.locator(".filter-chips")).to_be_visible()  # what is filtered shows outside the fold

    actions = page.locator("#bulk-orders")
    expect(actions).to_be_hidden()
    page.locator("#order-actions-fold > summary").click()
    expect(actions).to_be_visible()
    snap(page, "orders-390-folds-open")


@pytest.mark.parametrize(
    ("path", "table", "row", "shot"),
    [
        ("/s/acme/tickets/", "#ticket-table", "ticket-row", "inbox-390"),
        ("/tickets/", "#all-ticket-table", "ticket-row", "all-tickets-390"),
        ("/orders/", "#all-order-table", "order-row", "all-orders-390"),
        ("/s/acme/customers/", "#customer-table", "customer-row", "customers-390"),
    ],
    ids=["inbox", "all-stores-inbox", "all-stores-orders", "customers"],
)
def test_on_a_phone_the_other_lists_are_cards_too(page, operator, sign_in, path, table, row, shot):
    page.set_viewport_size(PHONE)
    sign_in(page, operator)
    page.goto(path)
    assert_cards(page, table, row)
    expect(page.locator(f"{table} tbody tr.{row}").first.locator("td.cell-primary")).not_to_be_empty()
    expect(page.locator("form[role=search]").last).to_be_hidden()  # the filters, behind their button
    snap(page, shot)


def test_on_a_phone_the_inbox_tabs_are_two_even_rows(page, operator, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, operator)
    page.goto("/s/acme/tickets/?status=pending")
    tabs = page.locator("#ticket-tabs a.nav-link")
    expect(tabs).to_have_count(6)
    boxes = [tabs.nth(n).bounding_box() for n in range(6)]
    assert len({round(box["y"]) for box in boxes}) == 2  # two rows of three, not three ragged lines
    assert len({round(box["width"]) for box in boxes}) == 1
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] for box in boxes)
    expect(page.locator("#ticket-tabs a.active")).to_have_text(re.compile(r"^\s*Pending"))
    assert no_sideways_scrolling(page)


def test_on_a_phone_a_tickets_author_and_time_do_not_run_together(page, operator, sign_in, sandbox):
    page.set_viewport_size(PHONE)
    sign_in(page, operator)
    page.goto("/s/acme/tickets/")
    page.locator("#ticket-rows tr.ticket-row").first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/s/acme/tickets/\d+/$"))
    metas = page.locator("#ticket-comments .thread-meta")
    assert metas.count() > 0
    for n in range(metas.count()):
        author, time = metas.nth(n).locator(":scope > span").all()
        a, t = author.bounding_box(), time.bounding_box()
        same_line_with_a_gap = t["x"] >= a["x"] + a["width"] + 8
        on_the_next_line = t["y"] >= a["y"] + a["height"] - 1
        assert same_line_with_a_gap or on_the_next_line, (a, t)
    assert no_sideways_scrolling(page)
    snap(page, "ticket-390")


# --- a 1366 px laptop --------------------------------------------------------------------------


# The narrowest a table can be laid out (the browser's min-content width).
NARROWEST = """t => {
    t.style.width = 'min-content';
    const width = t.getBoundingClientRect().width;
    t.style.width = '';
    return width;
}"""
# Room left for a value longer than the sandbox's in any column (a name, an address, a
# store's own type names): real stores' data is longer than the sandbox's.
HEADROOM = 250


@pytest.fixture
def long_values(sandbox):
    """What real stores have and the sandbox's seed has not: long tags on the newest
    ticket, a customer with a long address. The ticket's tags are put back after."""
    token = sandbox.issue_token("acme")
    ticket = sandbox.api("acme", "GET", "tickets/", token=token).json()["results"][0]
    tags = {"tags": ["wholesale-order-escalation", "awaiting-carrier-claim", "vip"]}
    sandbox.api("acme", "PATCH", f"tickets/{ticket['id']}/", token=token, json=tags).raise_for_status()
    email = unique_email("customer.service.department.wholesale").replace("@", ".bergmann-haushaltswaren@")
    customer = {"email": email, "first_name": "Wholesale", "last_name": "Department"}
    sandbox.api("acme", "POST", "users/", token=token, json=customer).raise_for_status()
    yield
    sandbox.api("acme", "PATCH", f"tickets/{ticket['id']}/", token=token, json={"tags": ticket["tags"]})


def test_on_a_laptop_every_table_fits_and_the_navigation_is_one_line(page, operator, sign_in, long_values):
    page.set_viewport_size(LAPTOP)
    sign_in(page, operator)
    for path in ("/s/acme/tickets/", "/tickets/", "/s/acme/orders/", "/orders/", "/s/acme/customers/"):
        page.goto(path)
        expect(page.locator(".list-table tbody tr").first).to_be_visible()
        wrapper = page.locator(".table-responsive").first
        assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{path}: the table is wider than its box"
        expect(page.locator(".list-table thead th").last).to_be_in_viewport()
        narrowest = page.locator(".list-table").first.evaluate(NARROWEST)
        room = wrapper.evaluate("e => e.clientWidth")
        assert narrowest + HEADROOM <= room, f"{path}: {narrowest:.0f} px at the narrowest, {room} px of room"
        snap(page, "laptop" + path.replace("/", "-").rstrip("-"))
    acme = operator.memberships.get(store__subdomain="acme").store
    for kind, count in (("orders", 12), ("customers", 3), ("tickets", 105)):
        new_count_bump(acme, kind, count)  # after the lists were opened, which clears them
    page.goto("/s/acme/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator(".nav-new")).to_have_count(3)
    # One line: every item of the bar is centred on the same line, no link wraps.
    items = ".navbar-brand, #store-switcher, .navbar-nav .nav-link, #topbar-q, #account-menu"
    spread = nav.evaluate(
        """(nav, selector) => {
            const middles = [...nav.querySelectorAll(selector)].map(e => {
                const r = e.getBoundingClientRect();
                return r.top + r.height / 2;
            });
            const links = [...nav.querySelectorAll('.navbar-nav .nav-link')];
            const heights = links.map(e => e.getBoundingClientRect().height);
            return {middles: Math.max(...middles) - Math.min(...middles), tallest: Math.max(...heights)};
        }""",
        items,
    )
    assert spread["middles"] < 4 and spread["tallest"] < 48, spread
    assert no_sideways_scrolling(page)
    snap(page, "overview-1366")


# --- the sign-in page, at both widths ------------------------------------------------------------


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1366"])
def test_the_sign_in_page_offers_forgot_your_password_once(page, size):
    page.set_viewport_size(size)
    page.goto("/accounts/login/")
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_count(1)
    assert no_sideways_scrolling(page)
    snap(page, f"sign-in-{size['width']}")


# --- error pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1366"])
def test_another_stores_url_is_the_styled_404_with_the_navigation(page, operator, sign_in, size):
    page.allow_console_error(r"status of 404")  # the browser logs the page's own status
    page.set_viewport_size(size)
    sign_in(page, operator)
    response = page.goto("/s/siam/orders/")  # a store the operator is not a member of
    assert response.status == 404
    expect(page.locator("[data-error-page='404']")).to_contain_text("Not found")
    expect(page.locator("#store-switcher")).to_be_attached()  # the navigation, as on every page
    if size is PHONE:
        page.get_by_role("button", name="Toggle navigation").click()
    page.locator("#store-switcher").click()
    expect(page.locator(".dropdown-menu[aria-labelledby=store-switcher]")).to_contain_text("Acme Outfitters")
    styled = page.locator("nav[aria-label=Main]").evaluate("n => getComputedStyle(n).backgroundColor")
    assert styled not in ("rgba(0, 0, 0, 0)", "transparent")  # Bootstrap and our CSS loaded
    assert no_sideways_scrolling(page)
    snap(page, f"404-{size['width']}")


# --- without JavaScript ----------------------------------------------------------------------------


def test_without_javascript_no_spinner_spins_and_the_inbox_counts_are_in_the_page(
    browser, live_server, operator, sign_in, sandbox
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=LAPTOP)
    page = context.new_page()
    watch_errors(page)
    try:
        sign_in(page, operator)
        number = sandbox.order_numbers("acme")[0]
        page.goto(f"/s/acme/orders/{number}/")
        panel = page.locator("#order-tickets")
        expect(panel.get_by_role("link", name="Show the tickets about this order")).to_be_visible()
        expect(panel.locator(".spinner-border")).to_be_hidden()  # nothing is loading
        assert panel.get_attribute("aria-busy") is None
        snap(page, "order-no-js")

        page.goto("/s/acme/tickets/")
        page.get_by_role("link", name="Count the tickets").click()  # not counted yet: one link away
        expect(page.locator("#ticket-count-new")).to_have_text(re.compile(r"^\d+\+?$"))
        page.goto("/s/acme/tickets/?status=open")  # counted once for the team: in every page now
        expect(page.locator("#ticket-count-open")).to_have_text(re.compile(r"^\d+\+?$"))
        expect(page.get_by_role("link", name="Count the tickets")).to_have_count(0)
        snap(page, "inbox-no-js")
    finally:
        context.close()
    assert_no_errors(page)


# --- the console stays clean ------------------------------------------------------------------------


def test_filter_updates_and_quick_property_changes_log_no_error(page, operator, sign_in):
    """htmx's indicator styles are off (the CSP refuses injected styles) and ours ship in
    storedesk.css; a change made while the previous one is saved neither aborts it
    (htmx:sendAbort) nor is lost. The console check at the end is the assertion that
    matters here, with what the page shows."""
    page.set_viewport_size(LAPTOP)
    sign_in(page, operator)
    page.goto("/s/acme/orders/")
    search = page.get_by_label("Search", exact=True)
    search.press_sequentially("10", delay=150)
    search.press("Enter")
    page.locator("#order-filters summary", has_text="Status").click()
    page.get_by_label("Open", exact=True).check()
    page.get_by_label("Canceled", exact=True).check()
    page.wait_for_url(re.compile(r"status=open&status=canceled"))
    htmx_settled(page)

    page.goto("/s/acme/tickets/")
    page.locator("#ticket-rows tr.ticket-row").first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/s/acme/tickets/\d+/$"))
    snap(page, "ticket-1366")
    properties = page.locator("#ticket-properties")
    priority, status = properties.get_by_label("Priority"), properties.get_by_label("Status")
    other_priority = "low" if priority.input_value() != "low" else "high"
    other_status = "pending" if status.input_value() != "pending" else "open"
    priority.select_option(other_priority)
    # At once, as a person quick with the keyboard: the form waits while the first is saved.
    status.select_option(other_status)
    expect(page.locator("#ticket-badges")).to_contain_text(other_status.capitalize())
    expect(page.locator("#ticket-badges")).to_contain_text(other_priority.capitalize())
    page.reload()
    expect(priority).to_have_value(other_priority)
    expect(status).to_have_value(other_status)
