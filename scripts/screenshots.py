"""Take the README's screenshots from a running demo (`make demo` in another terminal).

    .venv/bin/python scripts/screenshots.py

Signs in with DEMO_EMAIL / DEMO_PASSWORD from `.env` and saves PNGs under
docs/screenshots/. Uses Debian's Chromium through Playwright (never a downloaded browser).
"""

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from scripts.demo import WEB_URL as WEB  # noqa: E402  (after the path: run as a script)
from scripts.demo import read_env_file  # noqa: E402
from tests.e2e.chromium import launch  # noqa: E402

OUT = BASE_DIR / "docs" / "screenshots"
# Playwright hides the text caret with an injected <style> unless told not to; the CSP
# (style-src 'self') refuses it and the page logs "Applying inline style violates ...".
CARET = "initial"
PAGES = [
    ("overview", "/s/acme/"),
    ("orders", "/s/acme/orders/?status=open&payment_status=paid"),
    ("all-tickets", "/tickets/"),
    ("new-order", "/s/acme/orders/new/"),
    ("products", "/products/?q=SD-ORGANICCOT-008"),
]
# The same console on a phone (390 px wide): lists become cards.
PHONE_PAGES = [
    ("phone-inbox", "/s/acme/tickets/"),
    ("phone-orders", "/s/acme/orders/"),
]


def open_first_row(page, path: str, rows: str, name: str) -> None:
    page.goto(WEB + path)
    page.locator(rows).first.click()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.screenshot(path=OUT / f"{name}.png", full_page=True, caret=CARET)
    print(f"saved {OUT / f'{name}.png'}")


def main() -> int:
    values = read_env_file()
    if not values.get("DEMO_EMAIL") or not values.get("DEMO_PASSWORD"):
        print("No DEMO_EMAIL / DEMO_PASSWORD in .env: run `make demo` first.", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{WEB}/accounts/login/")
        page.fill("input[name=login]", values["DEMO_EMAIL"])
        page.fill("input[name=password]", values["DEMO_PASSWORD"])
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for name, path in PAGES:
            page.goto(WEB + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            page.screenshot(path=OUT / f"{name}.png", caret=CARET)
            print(f"saved {OUT / f'{name}.png'}")
        open_first_row(page, "/s/acme/orders/", "#order-table tbody tr", "order")
        open_first_row(page, "/s/acme/tickets/", "tbody tr", "ticket")
        # A macro picked on that ticket with the keyboard: its reply filled in for this ticket.
        search = page.locator("#macro-search")
        search.press_sequentially("where is")
        option = page.locator("#macro-options [role=option]")
        expect(option).to_have_count(1)  # the list narrowed
        expect(option).to_have_attribute("aria-selected", "true")
        search.press("Enter")
        page.locator("#macro-body").wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=OUT / "macro.png", caret=CARET)
        print(f"saved {OUT / 'macro.png'}")
        # A filtered list saved as a view, shared, and the Views menu that lists it.
        page.goto(WEB + "/s/acme/orders/?status=open&payment_status=paid")
        if not page.locator("#saved-views-bar a", has_text="Paid, not shipped").count():  # saved by an earlier run
            page.locator("#saved-view-save summary").click()
            page.fill("#saved-view-name", "Paid, not shipped")
            page.check("#saved-view-shared")
            page.locator("#saved-view-save button[type=submit]").click()
            page.wait_for_load_state("networkidle")
        page.locator("#nav-saved-views-toggle").click()
        page.wait_for_timeout(300)
        page.screenshot(path=OUT / "views.png", caret=CARET)
        print(f"saved {OUT / 'views.png'}")
        # An export of every store, caught while it runs (the progress bar) if it is quick to start.
        page.goto(f"{WEB}/exports/")
        for box in page.locator("input[name=stores]").all():
            box.check()
        page.click("button:has-text('Start export')")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
        page.screenshot(path=OUT / "exports.png", caret=CARET)
        print(f"saved {OUT / 'exports.png'}")
        page.set_viewport_size({"width": 390, "height": 844})
        for name, path in PHONE_PAGES:
            page.goto(WEB + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            page.screenshot(path=OUT / f"{name}.png", caret=CARET)
            print(f"saved {OUT / f'{name}.png'}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
