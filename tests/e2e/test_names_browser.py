"""Names, not numbers, and bulk forms that keep what was chosen (issue 11, sections 2 and
5), in a real browser against the sandbox store."""

import re

import pytest
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.dashboard.conftest import api_get
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agent(connect_store):
    operator = OperatorFactory(name="Ana Lee")
    MembershipFactory(operator=operator, store=connect_store("acme"), role=Role.AGENT)
    return operator


def staff_names(sandbox) -> dict[int, str]:
    users = api_get(sandbox, "acme", "users/", user_type="dashboard")["results"]
    return {u["id"]: f"{u['first_name']} {u['last_name']}" for u in users}


def test_assign_a_ticket_by_name_then_to_nobody(page, agent, sign_in, sandbox):
    staff = staff_names(sandbox)
    ticket = next(t for t in api_get(sandbox, "acme", "tickets/")["results"] if t["assignee"])
    other_id, other_name = next((i, n) for i, n in staff.items() if i != ticket["assignee"])
    sign_in(page, agent)
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    picker = page.get_by_label("Assignee")
    expect(picker).to_have_value(str(ticket["assignee"]))
    labels = picker.locator("option").all_inner_texts()
    assert labels[0] == "Unassigned" and sorted(labels[1:]) == sorted(staff.values())

    expect(page.locator("#ticket-sidebar")).to_contain_text("Requester")  # the last panel has loaded
    picker.select_option(label=other_name)  # saved on change
    expect(page.locator("#ticket-properties")).to_contain_text("Saved.")
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["assignee"] == other_id
    expect(page.get_by_label("Assignee")).to_have_value(str(other_id))

    # The inbox names them.
    page.goto("/s/acme/tickets/")
    row = page.locator(f"tr.ticket-row[data-ticket-id='{ticket['id']}']")
    expect(row).to_contain_text(other_name)

    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    expect(page.locator("#ticket-sidebar")).to_contain_text("Requester")
    page.get_by_label("Assignee").select_option(label="Unassigned")
    expect(page.locator("#ticket-properties")).to_contain_text("Saved.")
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["assignee"] is None

    # A note from here says who wrote it.
    page.get_by_label("Reply or note").fill("Called the customer back.")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator("#ticket-comments li").last).to_contain_text("Ana Lee · via Storedesk")
    assert page.js_errors == []


def test_a_refused_bulk_form_keeps_the_ticked_rows_and_the_change(page, agent, sign_in, sandbox):
    sign_in(page, agent)
    page.goto("/s/acme/tickets/?priority=high")
    rows = page.locator("#ticket-rows tr.ticket-row")
    expect(rows.nth(2)).to_be_visible()
    ids = [rows.nth(i).get_attribute("data-ticket-id") for i in (0, 2)]
    for ticket_id in ids:
        page.get_by_label(f"Select ticket #{ticket_id}").check()
    expect(page.locator("#bulk-tickets [data-selected-count]")).to_have_text("2")
    change = page.get_by_label("Change to apply")
    assert "Solved" in change.locator("optgroup[label='Set status'] option").all_inner_texts()
    page.get_by_role("button", name="Apply as a job").click()  # no change chosen: refused

    page.wait_for_url(re.compile(r"/s/acme/tickets/\?priority=high$"))
    expect(page.locator("#bulk-tickets")).to_contain_text("Choose a change.")
    for ticket_id in ids:
        expect(page.get_by_label(f"Select ticket #{ticket_id}")).to_be_checked()
    expect(page.locator("#bulk-tickets [data-selected-count]")).to_have_text("2")
    unticked = rows.nth(1).get_attribute("data-ticket-id")
    expect(page.get_by_label(f"Select ticket #{unticked}")).not_to_be_checked()

    # Choose the change, untick one, apply: a job for the one still ticked.
    page.get_by_label("Change to apply").select_option(label="High")
    page.get_by_label(f"Select ticket #{ids[1]}").uncheck()
    expect(page.locator("#bulk-tickets [data-selected-count]")).to_have_text("1")
    page.get_by_role("button", name="Apply as a job").click()
    page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.locator("h1")).to_contain_text("Set priority")
    assert page.js_errors == []
