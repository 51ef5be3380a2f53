"""Redis stopped under an open page (issue 12, finding 7): what htmx asks for next shows
the 503's message in the part of the page that asked, not a generic error; the page
works again once Redis is back. The browser talks to gunicorn on a Redis of the test's
own (tests/redis_down.py), not to the live server."""

import pytest
from playwright.sync_api import expect

from tests.e2e.chromium import launch
from tests.e2e.helpers import assert_no_errors, watch_errors
from tests.redis_down import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(own_redis_web, acme_owner):
    """Chromium on the test's web server. After the database rows exist: once Playwright's
    event loop runs, the ORM would open a connection of its own that nothing closes."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(base_url=own_redis_web, viewport={"width": 1400, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        watch_errors(page)
        # The 503 the test causes on purpose: the browser logs the failed request.
        page.allow_console_error(r"status of 503")
        try:
            yield page
        finally:
            browser.close()
        assert_no_errors(page)


def test_a_tab_clicked_while_redis_is_stopped_says_so_in_place(page, own_redis, acme_owner):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(acme_owner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/s/acme/tickets/")
    expect(page.locator("#ticket-rows tr").first).to_be_visible()

    own_redis.stop()
    page.locator("#ticket-tabs").get_by_role("link", name="Open").click()

    alert = page.locator('[data-unavailable="redis"]')
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Storedesk's shared cache and rate limiter (Redis) are not answering")
    expect(alert).to_contain_text("Nothing was lost")
    expect(page.locator("#ticket-list")).to_have_count(0)  # the list it replaced
    expect(page.locator("#messages")).not_to_contain_text("Something went wrong")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # the rest of the page stays

    own_redis.start()
    alert.get_by_role("link", name="Reload the page").click()
    expect(page.locator("#ticket-rows tr").first).to_be_visible()
    assert page.js_errors == []
