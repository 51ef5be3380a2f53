"""Connecting a store in a real browser: Storedesk, the sandbox's sign-in and consent
pages, and back (the CSP's form-action must allow the store's origin)."""

import os

import pytest

from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.e2e.chromium import launch
from tests.factories import PASSWORD, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium(django_db_setup, django_db_blocker):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM
    # calls are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(20000)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def site(live_server, settings, sandbox):
    settings.SITE_URL = live_server.url
    sandbox.add_redirect_uri(live_server.url + "/oauth/callback/")
    return live_server.url


def sign_in(page, site, operator):
    page.goto(site + "/accounts/login/")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site + "/")


def test_connect_siam_through_the_consent_page(page, site, sandbox):
    operator = OperatorFactory(email="newcomer@example.com")
    sign_in(page, site, operator)

    page.get_by_role("link", name="Connect a store").first.click()
    page.get_by_label("Store", exact=True).first.fill("siam")
    page.get_by_role("button", name="Continue to the store").click()

    # The sandbox store: pick a store user, then approve.
    page.wait_for_url(f"{sandbox.base_url}/siam/**")
    if "/dashboard/sign-in/" in page.url:
        page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(site + "/s/siam/")
    assert "is connected" in page.inner_text("#messages")
    store = Store.objects.get(subdomain="siam")
    assert store.is_connected and store.currency == "THB"
    assert Membership.objects.get(store=store, operator=operator).role == Role.OWNER
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_declining_shows_what_happened(page, site, sandbox):
    operator = OperatorFactory(email="decliner@example.com")
    sign_in(page, site, operator)
    page.goto(site + "/stores/connect/")
    page.get_by_label("Store", exact=True).first.fill("siam")
    page.get_by_role("button", name="Continue to the store").click()
    page.wait_for_url(f"{sandbox.base_url}/siam/**")
    if "/dashboard/sign-in/" in page.url:
        page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(site + "/oauth/callback/**")
    assert "declined" in page.inner_text("main")
    assert not Store.objects.filter(subdomain="siam").exists()
