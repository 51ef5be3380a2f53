"""What several browser tests need."""

import os
import re
from pathlib import Path

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


# caret="initial" in every screenshot: hiding the caret, Playwright injects a <style> (which
# the CSP refuses) and leaves `style=""` on inputs that htmx's settle would then copy onto
# swapped fields: console errors of the screenshot's own.
SIZES = ((1366, 800), (390, 844))  # a laptop and a phone


def _shots_folder() -> Path | None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def snap(page, name: str, *, full_page: bool = False) -> None:
    """With E2E_SCREENSHOTS=<folder> set, the page as it is, saved there as <name>.png."""
    folder = _shots_folder()
    if folder:
        page.screenshot(path=str(folder / f"{name}.png"), caret="initial", full_page=full_page)


def shoot(page, name: str, *, at: str | None = None, full_page: bool = False) -> None:
    """With E2E_SCREENSHOTS=<folder> set, the page at a laptop's and at a phone's width,
    saved there as <name>-1366.png and <name>-390.png for a person to look at (not
    compared); `at`: a selector scrolled into view first. The viewport is put back."""
    folder = _shots_folder()
    if not folder:
        return
    before = page.viewport_size
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        if at:
            page.locator(at).first.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=full_page, caret="initial")
    page.set_viewport_size(before)
