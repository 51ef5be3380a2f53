"""Connecting a store in a real browser: Storedesk, the sandbox's sign-in and consent
pages, and back (the CSP's form-action must allow the store's origin)."""

import pytest

from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, settings, sandbox):
    settings.SITE_URL = live_server.url
    sandbox.add_redirect_uri(live_server.url + "/oauth/callback/")
    return live_server.url


def test_connect_siam_through_the_consent_page(page, site, sandbox, sign_in):
    operator = OperatorFactory(email="newcomer@example.com")
    sign_in(page, operator)
    page.wait_for_url(site + "/")

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


def test_declining_shows_what_happened(page, site, sandbox, sign_in):
    page.allow_console_error(r"status of 400")  # the callback answers the refusal with a 400
    operator = OperatorFactory(email="decliner@example.com")
    sign_in(page, operator)
    page.wait_for_url(site + "/")
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
