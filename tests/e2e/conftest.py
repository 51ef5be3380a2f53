"""Browser tests: Debian's Chromium, headless, driven by Playwright, against Django's
live server (a real HTTP server in a thread, on a transactional test database).

Reusable fixtures:

    browser                   one Chromium per test module (never downloads a browser)
    page                      a fresh browser context and page, its base URL the live server;
                              page.js_errors (uncaught exceptions), page.console_errors; at the
                              end of every test, both must be empty (a test that causes one on
                              purpose says so: page.allow_console_error(r"status of 404"))
    sign_in(page, operator)   signs in through the real sign-in form

and, from the dashboard's tests, `connect_store` (a store connected to the sandbox),
`login_as`. Mark browser tests `@pytest.mark.browser`.
"""

import os

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import _fast_tests, connect_store  # noqa: F401  (fixtures)
from tests.e2e.chromium import launch
from tests.e2e.helpers import assert_no_errors, watch_errors
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; the live server's database
# access happens in its own thread, but fixtures here touch the ORM next to that loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TIMEOUT_MS = 15_000
# Assertions wait as long as actions do: their own default (5 s) was too short for an
# htmx round trip to the rate-limited sandbox on a machine busy with other suites.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = launch(playwright)
        except RuntimeError as missing:  # Chromium is not installed: say so, as a failure
            pytest.fail(str(missing), pytrace=False)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch_errors(page)
    try:
        yield page
    finally:
        context.close()
    # After the test, as part of it: no page may throw or log an error, a CSP refusal included.
    assert_no_errors(page)


@pytest.fixture
def sign_in():
    def sign_in(page, operator, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(operator.email)
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return sign_in
