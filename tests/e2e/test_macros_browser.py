"""Macros in a real browser: a manager's Macros page, and an agent picking a macro with
the keyboard alone on a ticket, reading the preview, editing it and sending it."""

import pytest
from playwright.sync_api import expect

from dashboard.models import Macro
from storeapi.roles import Role
from tests.e2e.helpers import htmx_settled, shoot
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def store_api(sandbox, method, path, **kwargs) -> dict:
    response = sandbox.api("acme", method, path, sandbox.issue_token("acme"), **kwargs)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def team(connect_store):
    acme = connect_store("acme")
    manager = OperatorFactory(name="Mia Manager")
    agent = OperatorFactory(name="Alex Agent")
    MembershipFactory(operator=manager, store=acme, role=Role.MANAGER)
    MembershipFactory(operator=agent, store=acme, role=Role.AGENT)
    common = {"author": manager, "author_name": manager.name}
    Macro.objects.create(
        name="Shipping delay",
        store=acme,
        body="Hi {{ customer.first_name }},\n\nyour order {{ order.number }} is {{ order.status }}. "
        "Sorry for the wait.\n\n{{ operator.name }}, {{ store.name }}",
        status="pending",
        tags=["shipping"],
        **common,
    )
    Macro.objects.create(name="Refund issued", store=None, body="Your refund is on its way.", status="solved", **common)
    Macro.objects.create(
        name="Escalate to billing",
        store=acme,
        kind="internal",
        body="Billing, please check.",
        priority="high",
        **common,
    )
    return {"manager": manager, "agent": agent}


def a_ticket_with_an_order(sandbox) -> dict:
    for ticket in store_api(sandbox, "GET", "tickets/")["results"][::-1]:
        if ticket.get("order") and ticket.get("requester"):
            return store_api(sandbox, "PATCH", f"tickets/{ticket['id']}/", json={"status": "open", "tags": []})
    raise AssertionError("no seeded ticket with an order")


def test_the_macros_page(page, team, sign_in):
    sign_in(page, team["manager"])
    page.goto("/")
    page.locator("#account-menu").click()  # managing macros: in the account menu
    page.get_by_role("link", name="Macros").click()
    expect(page.get_by_role("heading", name="Macros")).to_be_visible()
    expect(page.locator("#macro-table > li")).to_have_count(3)
    shoot(page, "macros-page", full_page=True)
    page.get_by_role("link", name="New macro").click()
    page.allow_console_error(r"status of 400 \(Bad Request\)")  # the form, refused
    page.get_by_label("Name", exact=True).fill("Bad variable")
    page.get_by_label("Reply", exact=True).fill("Hi {{ customer.nickname }}")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Unknown variable: {{ customer.nickname }}")
    shoot(page, "macro-form-error", full_page=True)
    page.get_by_label("Reply", exact=True).fill("Hi {{ customer.first_name }}, all done.")
    page.get_by_label("Set status").select_option("solved")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#macro-table > li")).to_have_count(4)
    expect(page.locator("#macro-table")).to_contain_text("Bad variable")


def test_an_agent_picks_a_macro_with_the_keyboard_edits_and_sends_it(page, team, sign_in, sandbox):
    ticket = a_ticket_with_an_order(sandbox)
    order = store_api(sandbox, "GET", f"orders/{ticket['order']}/")
    sign_in(page, team["agent"])
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    search = page.get_by_role("combobox", name="Macro")
    search.focus()
    search.press_sequentially("ship")
    options = page.locator("#macro-options [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Shipping delay")
    search.fill("")
    search.press_sequentially("i")  # in each name: all three, by name
    expect(options).to_have_count(3)
    expect(options.nth(0)).to_contain_text("Escalate to billing")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    htmx_settled(page)
    shoot(page, "picker-list", at="#macro-picker", full_page=True)
    # Down to "Shipping delay", by the keyboard alone (and back up, and down again).
    search.press("ArrowDown")
    search.press("ArrowDown")
    search.press("ArrowDown")  # stays on the last
    search.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    search.press("ArrowDown")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    expect(search).to_have_attribute("aria-activedescendant", options.nth(2).get_attribute("id"))
    search.press("Enter")

    body = page.locator("#macro-body")
    expect(body).to_be_focused()
    expect(body).to_have_value(
        f"Hi {store_api(sandbox, 'GET', 'users/' + str(ticket['requester']) + '/')['first_name']},\n\n"
        f"your order {order['number']} is {order['status'].replace('_', ' ').capitalize()}. Sorry for the wait.\n\n"
        "Alex Agent, Acme Outfitters"
    )
    expect(page.locator("#macro-changes")).to_contain_text("Status: Open → Pending")
    expect(page.locator("#macro-changes")).to_contain_text("shipping")
    expect(page.locator("#macro-options")).to_be_hidden()
    expect(page.locator("#ticket-reply-form")).to_be_hidden()  # the preview is the reply box now
    shoot(page, "picker-preview", at="#macro-picker", full_page=True)
    page.locator("h1").first.click()  # away from every field
    page.keyboard.press("r")  # the reply shortcut: while a macro's preview is open, its reply box
    expect(body).to_be_focused()

    body.press("Control+End")
    body.press_sequentially(" PS: tracking follows.")
    page.get_by_role("button", name="Send public reply and apply changes").click()
    last = page.locator("#ticket-comments > li").last
    expect(last).to_contain_text("Sorry for the wait.")
    expect(last).to_contain_text("PS: tracking follows.")
    expect(page.locator("#ticket-thread [role=status]")).to_contain_text("Macro “Shipping delay” applied")
    expect(page.locator("#ticket-badges")).to_contain_text("Pending")
    expect(page.locator("#ticket-reply-form")).to_be_visible()
    after = store_api(sandbox, "GET", f"tickets/{ticket['id']}/")
    assert (after["status"], after["tags"]) == ("pending", ["shipping"])
    assert after["comments"][-1]["body"].endswith("Alex Agent, Acme Outfitters PS: tracking follows.")
    assert Macro.objects.get(name="Shipping delay").usage_count == 1


def test_escape_closes_the_list_and_cancel_brings_the_reply_box_back(page, team, sign_in, sandbox):
    ticket = a_ticket_with_an_order(sandbox)
    sign_in(page, team["agent"])
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    search = page.get_by_role("combobox", name="Macro")
    search.focus()
    search.press_sequentially("billing")
    expect(page.locator("#macro-options [role=option]")).to_have_count(1)
    htmx_settled(page)
    search.press("Escape")
    expect(page.locator("#macro-options")).to_be_hidden()
    expect(search).to_have_attribute("aria-expanded", "false")
    search.press("ArrowDown")
    search.press("Enter")
    expect(page.locator("#macro-apply-form")).to_contain_text("Internal note")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("#macro-apply-form")).to_have_count(0)
    expect(page.locator("#ticket-reply-form")).to_be_visible()
