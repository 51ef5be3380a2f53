"""What several browser tests need."""

import re

from playwright.sync_api import expect

HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page) -> None:
    """Wait until htmx has finished its requests and swaps. New content is live only
    once settled (htmx binds its triggers then, about 20 ms after the swap): a change
    made to a just-swapped form before that would be lost, as a person never could.
    (Not `page.wait_for_function`: it evaluates its expression with `eval` in the page,
    which the CSP refuses, an error of its own in the console.)"""
    expect(page.locator(HTMX_BUSY)).to_have_count(0)


def watch_errors(page) -> None:
    """Collect what the page reports as errors: `page.js_errors` (uncaught exceptions)
    and `page.console_errors` (what the browser logs as an error without throwing: a
    Content-Security-Policy refusal, htmx's htmx:sendAbort, a failed request)."""
    page.js_errors = []
    page.console_errors = []
    page.allowed_console_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))

    def console(message) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url") or ""
            page.console_errors.append(f"{message.text} ({where})" if where else message.text)

    page.on("console", console)

    def allow_console_error(pattern: str) -> None:
        """An error this test causes on purpose (a 404 page logs "Failed to load resource")."""
        page.allowed_console_errors.append(pattern)

    page.allow_console_error = allow_console_error


def assert_no_errors(page) -> None:
    """Every browser test ends with this (the `page` fixtures call it at teardown)."""
    unexpected = [
        error for error in page.console_errors if not any(re.search(p, error) for p in page.allowed_console_errors)
    ]
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"
    assert unexpected == [], f"console errors: {unexpected}"
