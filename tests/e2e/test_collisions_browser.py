"""Two operators on one ticket, each in their own browser: each sees the other on the
ticket's page and in the inbox, and a reply written while the thread changed is held
until its writer has seen what is new."""

import re

import pytest
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.e2e.helpers import assert_no_errors, htmx_settled, shoot, watch_errors
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme_agents(connect_store):
    acme = connect_store("acme")
    ana, ben = OperatorFactory(name="Ana Lima"), OperatorFactory(name="Ben Okafor")
    for operator in (ana, ben):
        MembershipFactory(operator=operator, store=acme, role=Role.AGENT)
    return ana, ben


@pytest.fixture
def second_page(browser, live_server):
    """Another operator's browser: a context of its own (its own session cookie)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    other = context.new_page()
    watch_errors(other)
    try:
        yield other
    finally:
        context.close()
    assert_no_errors(other)


def store_api(sandbox, method, path, **kwargs) -> dict:
    response = sandbox.api("acme", method, path, sandbox.issue_token("acme"), **kwargs)
    response.raise_for_status()
    return response.json()


def presence_answered(page):
    return page.expect_response(lambda r: "/presence/" in r.url and r.request.method == "POST")


def test_two_operators_see_each_other_on_the_ticket_and_in_the_inbox(page, second_page, acme_agents, sign_in, sandbox):
    ana, ben = acme_agents
    ticket = store_api(sandbox, "GET", "tickets/")["results"][6]
    url = f"/s/acme/tickets/{ticket['id']}/"
    sign_in(page, ana)
    with presence_answered(page):
        page.goto(url)
    sign_in(second_page, ben)
    second_page.goto(url)

    ben_line = second_page.locator("#ticket-presence")
    expect(ben_line).to_have_text("Ana Lima is also viewing")
    expect(page.locator("#ticket-presence")).to_have_text("Ben Okafor is also viewing")  # her next poll
    expect(ben_line).to_have_attribute("aria-live", "polite")

    page.get_by_label("Reply or note").press_sequentially("Hello")
    expect(ben_line).to_have_text("Ana Lima is typing a reply")
    shoot(second_page, "ticket-presence", at="#ticket-presence")
    # Her note went: Ben no longer reads that she is typing.
    page.get_by_label("Reply or note").press_sequentially(", checking the carrier.")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator("#ticket-comments > li").last).to_contain_text("Hello, checking the carrier.")
    expect(ben_line).to_have_text("Ana Lima is also viewing")

    # Ben's inbox marks the ticket Ana has open; the others have no mark.
    second_page.goto("/s/acme/tickets/")
    row = second_page.locator(f"#ticket-{ticket['id']}")
    expect(row.locator("[data-presence-mark]")).to_contain_text("Ana Lima")
    expect(second_page.locator("[data-presence-mark]")).to_have_count(1)
    shoot(second_page, "inbox-mark", at=f"#ticket-{ticket['id']}")

    # Ben left the ticket's page (pagehide): Ana no longer sees him, without waiting for his
    # mark to run out.
    expect(page.locator("#ticket-presence")).to_have_text("")

    # Ben stays on the inbox; its marks follow (every 15 s, or at once when the tab shows
    # again: asked here). A mark that did not change is left in place (not read out again).
    def inbox_asks_again():
        with second_page.expect_response(lambda r: "/tickets/presence/" in r.url):
            second_page.evaluate("htmx.trigger(document.querySelector('[data-inbox-presence]'), 'presence:refresh')")
        htmx_settled(second_page)

    mark = second_page.locator(f"#presence-acme-{ticket['id']} [data-presence-mark]")
    mark.evaluate("m => { m.keptInPlace = true; }")  # a property, not an attribute: the markup is unchanged
    inbox_asks_again()
    assert mark.evaluate("m => m.keptInPlace === true")
    other = store_api(sandbox, "GET", "tickets/")["results"][8]
    with presence_answered(page):
        page.goto(f"/s/acme/tickets/{other['id']}/")  # Ana moves to another ticket
    inbox_asks_again()
    expect(second_page.locator(f"#presence-acme-{ticket['id']}")).to_be_empty()
    expect(second_page.locator(f"#presence-acme-{other['id']} [data-presence-mark]")).to_contain_text("Ana Lima")
    expect(second_page.locator("[data-presence-mark]")).to_have_count(1)
    shoot(second_page, "inbox-mark-moved", at=f"#ticket-{other['id']}")


def test_a_reply_is_held_until_the_new_messages_are_seen(page, acme_agents, sign_in, sandbox):
    ana, _ = acme_agents
    ticket = store_api(sandbox, "GET", "tickets/")["results"][7]
    sign_in(page, ana)
    page.goto(f"/s/acme/tickets/{ticket['id']}/")
    comments = page.locator("#ticket-comments > li")
    drawn = comments.count()

    # The customer writes again while Ana is typing her reply.
    store_api(
        sandbox,
        "POST",
        f"tickets/{ticket['id']}/comments/",
        json={"body": "Never mind, <b>it arrived</b> today!", "is_public": True},
    )
    page.get_by_label("Reply or note").fill("We have sent you a new one.")
    page.get_by_role("button", name="Send public reply").click()

    warning = page.locator("#ticket-thread-changed")
    expect(warning).to_contain_text("Not sent yet: the conversation changed since you opened it.")
    expect(warning).to_contain_text("Never mind, <b>it arrived</b> today!")  # shown as text
    expect(warning).to_be_focused()
    expect(page.get_by_label("Reply or note")).to_have_value("We have sent you a new one.")
    expect(comments).to_have_count(drawn + 1)  # the thread shows the new message too
    after = store_api(sandbox, "GET", f"tickets/{ticket['id']}/")["comments"]
    assert after[-1]["body"] == "Never mind, <b>it arrived</b> today!"  # nothing sent
    shoot(page, "thread-changed", at="#ticket-thread-changed")

    page.get_by_label("Reply or note").fill("Glad it arrived!")  # edited, then sent anyway
    htmx_settled(page)
    warning.get_by_role("button", name=re.compile("Send anyway")).click()
    expect(comments.last).to_contain_text("Glad it arrived!")
    expect(page.locator("#ticket-thread-changed")).to_have_count(0)
    after = store_api(sandbox, "GET", f"tickets/{ticket['id']}/")["comments"]
    assert (after[-1]["body"], after[-1]["is_public"]) == ("Glad it arrived!", True)
