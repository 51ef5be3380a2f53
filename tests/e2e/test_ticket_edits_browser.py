"""A ticket changed by a team at once, in a real browser: a reply redraws the status
badge and the properties from the store's answer, and a change made behind the page is
shown (then applied again with one click), never silently overwritten."""

import re

import pytest
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.e2e.helpers import htmx_settled, shoot
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agent(connect_store):
    operator = OperatorFactory()
    MembershipFactory(operator=operator, store=connect_store("acme"), role=Role.AGENT)
    return operator


def store_api(sandbox, method, path, **kwargs) -> dict:
    """The sandbox's Admin API, straight: a colleague or the store itself."""
    response = sandbox.api("acme", method, path, sandbox.issue_token("acme"), **kwargs)
    response.raise_for_status()
    return response.json()


def a_ticket(sandbox, index: int, **state) -> dict:
    ticket = store_api(sandbox, "GET", "tickets/")["results"][index]
    return store_api(sandbox, "PATCH", f"tickets/{ticket['id']}/", json=state)


def test_a_reply_redraws_the_badge_and_the_properties(page, agent, sign_in, sandbox):
    ticket = a_ticket(sandbox, -7, status="new", priority="low")
    sign_in(page, agent)
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    properties = page.locator("#ticket-properties")
    expect(page.locator("#ticket-badges")).to_contain_text("New")
    expect(properties.get_by_label("Status")).to_have_value("new")

    page.get_by_label("Reply or note").fill("We are looking into it.")
    page.get_by_role("button", name="Send public reply").click()
    expect(page.locator("#ticket-comments > li").last).to_contain_text("We are looking into it.")
    # The store opened the ticket: the page says so without a reload.
    expect(page.locator("#ticket-badges")).to_contain_text("Open")
    expect(properties.get_by_label("Status")).to_have_value("open")

    htmx_settled(page)
    properties.get_by_label("Priority").select_option("high")
    expect(properties).to_contain_text("Saved.")
    expect(page.locator("#ticket-badges")).to_contain_text("High")
    after = store_api(sandbox, "GET", f"tickets/{ticket['id']}/")
    assert (after["status"], after["priority"]) == ("open", "high")
    shoot(page, "ticket-after-reply", at="#ticket-properties", full_page=True)
    assert page.js_errors == [] and page.console_errors == []


def test_a_change_made_meanwhile_is_shown_then_applied_again(page, agent, sign_in, sandbox):
    ticket = a_ticket(sandbox, -8, status="open", priority="medium")
    sign_in(page, agent)
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    properties = page.locator("#ticket-properties")
    expect(properties.get_by_label("Status")).to_have_value("open")
    store_api(sandbox, "PATCH", f"tickets/{ticket['id']}/", json={"status": "pending"})  # behind the page

    htmx_settled(page)
    properties.get_by_label("Status").select_option("solved")
    conflict = page.locator("#ticket-conflict")
    expect(conflict).to_contain_text("Not saved: this ticket was changed meanwhile.")
    row = conflict.locator("tr.table-warning")
    expect(row.locator("th, td")).to_have_text(["Status", "Open", "Pending", "Solved"])
    # The form and the badge show the ticket as it is now; nothing was overwritten.
    expect(properties.get_by_label("Status")).to_have_value("pending")
    expect(page.locator("#ticket-badges")).to_contain_text("Pending")
    assert store_api(sandbox, "GET", f"tickets/{ticket['id']}/")["status"] == "pending"
    shoot(page, "ticket-conflict", at="#ticket-properties", full_page=True)

    htmx_settled(page)
    conflict.get_by_role("button", name="Apply mine again").click()
    expect(properties).to_contain_text("Saved.")
    expect(conflict).to_have_count(0)
    expect(page.locator("#ticket-badges")).to_contain_text("Solved")
    expect(properties.get_by_label("Status")).to_have_value("solved")
    assert store_api(sandbox, "GET", f"tickets/{ticket['id']}/")["status"] == "solved"
    assert page.js_errors == [] and page.console_errors == []


def test_a_colleagues_change_of_another_field_is_kept_and_named(page, agent, sign_in, sandbox):
    ticket = a_ticket(sandbox, -9, status="open", priority="low")
    sign_in(page, agent)
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    properties = page.locator("#ticket-properties")
    expect(properties.get_by_label("Priority")).to_have_value("low")
    store_api(sandbox, "PATCH", f"tickets/{ticket['id']}/", json={"status": "pending"})

    htmx_settled(page)
    properties.get_by_label("Priority").select_option("high")
    expect(properties).to_contain_text("Saved.")
    expect(page.locator("#ticket-meanwhile")).to_contain_text(re.compile(r"Status\s*Open\s*Pending"))
    expect(properties.get_by_label("Status")).to_have_value("pending")
    after = store_api(sandbox, "GET", f"tickets/{ticket['id']}/")
    assert (after["status"], after["priority"]) == ("pending", "high")
    shoot(page, "ticket-meanwhile", at="#ticket-properties", full_page=True)
    assert page.js_errors == [] and page.console_errors == []
