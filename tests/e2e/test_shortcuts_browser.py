"""Keyboard shortcuts in a real browser: moving through a list, opening a row, the search,
the list of shortcuts, and replying to and solving a ticket; never while typing."""

import re

import pytest
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.e2e.helpers import htmx_settled, shoot
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agent(connect_store):
    operator = OperatorFactory(name="Ana Lima")
    for name in ("acme", "siam"):
        MembershipFactory(operator=operator, store=connect_store(name), role=Role.AGENT)
    return operator


def store_api(sandbox, method, path, **kwargs) -> dict:
    response = sandbox.api("acme", method, path, sandbox.issue_token("acme"), **kwargs)
    response.raise_for_status()
    return response.json()


def selected(page):
    return page.locator("tr.row-selected")


def test_j_k_move_through_the_rows_enter_opens_and_typing_moves_nothing(page, agent, sign_in):
    sign_in(page, agent)
    page.goto("/s/acme/tickets/")
    rows = page.locator("#ticket-rows tr.ticket-row")
    expect(rows.first).to_be_visible()
    total = rows.count()
    status = page.locator("#shortcut-status")
    expect(status).to_have_attribute("aria-live", "polite")

    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(selected(page)).to_have_count(1)
    second = rows.nth(1)
    expect(second).to_have_class(re.compile(r"\brow-selected\b"))
    expect(second).to_have_attribute("aria-current", "true")
    second_id = second.get_attribute("data-ticket-id")
    expect(status).to_have_text(re.compile(rf"^Row 2 of {total}: ticket #{second_id}\b"))
    shoot(page, "row-selected", at="tr.row-selected")
    page.keyboard.press("k")
    expect(rows.first).to_have_class(re.compile(r"\brow-selected\b"))
    expect(status).to_have_text(re.compile(rf"^Row 1 of {total}: "))
    page.keyboard.press("j")
    expect(second).to_have_class(re.compile(r"\brow-selected\b"))

    # "/" goes to the search box; a "j" typed there is text, not a move.
    page.keyboard.press("/")
    search = page.locator("#ticket-filters input[type=search]").first
    expect(search).to_be_focused()
    page.keyboard.type("j")
    expect(search).to_have_value("j")
    page.wait_for_url(re.compile(r"filter_text=j"))  # the filter bar's own search ran
    htmx_settled(page)
    expect(status).to_have_text(re.compile(r"^Row 2 of "))

    # Back on the page, after the filter swapped the rows: j starts again from the top.
    search.fill("")
    page.wait_for_url(re.compile(r"/s/acme/tickets/$"))
    htmx_settled(page)
    expect(rows.first).to_be_visible()
    page.locator("h1").click()
    page.keyboard.press("j")
    first_id = rows.first.get_attribute("data-ticket-id")
    expect(rows.first).to_have_class(re.compile(r"\brow-selected\b"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/s/acme/tickets/{first_id}/")


def test_the_question_mark_lists_the_shortcuts(page, agent, sign_in):
    sign_in(page, agent)
    page.goto("/s/acme/orders/")
    expect(page.locator("#order-rows tr.order-row").first).to_be_visible()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_focused()  # shown (Bootstrap focuses it once it has faded in)
    expect(dialog).to_contain_text("Next / previous row")
    expect(dialog.get_by_role("button", name="Close")).to_be_visible()
    page.keyboard.press("j")  # the dialog has the keyboard: no row moves behind it
    expect(page.locator("tr.row-selected")).to_have_count(0)
    shoot(page, "shortcuts-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Orders, then the all-stores lists: j, then o opens the order.
    page.keyboard.press("j")
    number = page.locator("#order-rows tr.order-row").first.get_attribute("data-order-number")
    expect(page.locator("#shortcut-status")).to_have_text(re.compile(rf"^Row 1 of \d+: order #{number}"))
    page.goto("/tickets/")
    expect(page.locator("#all-ticket-rows tr.ticket-row").first).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("j")
    target = page.locator("#all-ticket-rows tr.ticket-row").nth(1)
    expect(target).to_have_class(re.compile(r"\brow-selected\b"))
    href = target.get_attribute("data-href")
    page.keyboard.press("o")
    page.wait_for_url(f"**{href}")


def test_the_hint_is_the_first_stop_of_the_keyboard_and_opens_the_list(page, agent, sign_in):
    sign_in(page, agent)
    page.goto("/s/acme/customers/")
    page.keyboard.press("Tab")  # "Skip to content"
    page.keyboard.press("Tab")
    hint = page.get_by_role("button", name="Press ? for keyboard shortcuts")
    expect(hint).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_focused()  # shown (Bootstrap focuses it once it has faded in)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.locator("h1").click()
    page.keyboard.press("j")
    expect(page.locator("#customer-rows tr.customer-row").first).to_have_class(re.compile(r"\brow-selected\b"))


def test_r_replies_n_writes_a_note_and_e_solves_the_ticket(page, agent, sign_in, sandbox):
    ticket = store_api(sandbox, "GET", "tickets/")["results"][9]
    ticket = store_api(sandbox, "PATCH", f"tickets/{ticket['id']}/", json={"status": "open"})
    sign_in(page, agent)
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    box = page.get_by_label("Reply or note")
    form = page.locator("#ticket-reply-form")
    status = page.locator("#ticket-properties").get_by_label("Status")
    expect(status).to_have_value("open")

    page.keyboard.press("r")
    expect(box).to_be_focused()
    expect(form).to_have_attribute("data-reply-mode", "public")
    page.keyboard.type("e")  # typing: nothing is solved
    expect(box).to_have_value("e")
    box.fill("")
    page.keyboard.press("Tab")  # out of the box, to a button

    page.keyboard.press("n")
    expect(box).to_be_focused()
    expect(form).to_have_attribute("data-reply-mode", "internal")
    page.keyboard.press("Tab")

    page.keyboard.press("e")
    expect(page.locator("#ticket-properties")).to_contain_text("Saved.")
    expect(status).to_have_value("solved")
    expect(page.locator("#ticket-badges")).to_contain_text("Solved")
    assert store_api(sandbox, "GET", f"tickets/{ticket['id']}/")["status"] == "solved"
    htmx_settled(page)
    page.locator("h1").click()
    page.keyboard.press("e")
    expect(page.locator("#shortcut-status")).to_have_text("This ticket is already solved.")


def test_a_viewer_pressing_e_is_told_their_role_does_not_allow_it(page, connect_store, sign_in, sandbox):
    viewer = OperatorFactory()
    MembershipFactory(operator=viewer, store=connect_store("acme"), role=Role.VIEWER)
    ticket = store_api(sandbox, "GET", "tickets/")["results"][10]
    sign_in(page, viewer)
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    expect(page.locator("#ticket-properties")).to_be_visible()
    page.keyboard.press("e")
    expect(page.locator("#shortcut-status")).to_have_text("Your role does not allow changing this ticket.")
    assert store_api(sandbox, "GET", f"tickets/{ticket['id']}/")["status"] == ticket["status"]


def test_the_rows_load_more_added_are_moved_through_too(page, agent, sign_in, sandbox):
    sandbox.set_page_size("acme", 5)
    sign_in(page, agent)
    page.goto("/s/acme/orders/")
    rows = page.locator("#order-rows tr.order-row")
    expect(rows).to_have_count(5)
    for _ in range(6):  # past the last row: stays on it
        page.keyboard.press("j")
    expect(rows.nth(4)).to_have_class(re.compile(r"\brow-selected\b"))
    page.get_by_role("link", name="Load more").click()
    expect(rows).to_have_count(10)
    htmx_settled(page)
    # The first new row has the focus (so a keyboard user lands there): j goes on from it.
    expect(rows.nth(5)).to_have_class(re.compile(r"\brow-selected\b"))
    page.keyboard.press("j")
    expect(rows.nth(6)).to_have_class(re.compile(r"\brow-selected\b"))
    expect(page.locator("#shortcut-status")).to_have_text(re.compile(r"^Row 7 of 10: order #"))
    expect(page.locator("tr.row-selected")).to_have_count(1)
