"""What a person sees of the fixes found by probing as an attacker (issue 11, §10): the
"switch accounts?" question, the admin asking for the password after a session-token
sign-in, and a hostile tracking link shown as text."""

import time
import uuid

import jwt
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.factories import PASSWORD, MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_link(email: str, store: str = "acme") -> str:
    """The App URL with a session token, as the store's dashboard opens it."""
    now = int(time.time())
    claims = {
        "iss": f"{store}.29next.store",
        "store": f"{store}.29next.store",
        "user_email": email,
        "aud": settings.STOREAPI_CLIENT_ID,
        "iat": now,
        "exp": now + 30,
        # Two links made within one second must differ, as two the store makes do: a
        # token is taken once (a second use of the same one is refused as a replay).
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, settings.STOREAPI_CLIENT_SECRET, algorithm="HS256")
    return f"/oauth/app/?store={store}.29next.store&token={token}"


def member(store, email: str, **fields):
    operator = OperatorFactory(email=email, **fields)
    EmailAddress.objects.create(user=operator, email=email, verified=True, primary=True)
    MembershipFactory(operator=operator, store=store, role=Role.MANAGER)
    return operator


def no_page_errors(page):
    assert page.js_errors == []
    assert page.console_errors == []


def test_a_link_for_another_account_asks_before_switching(page, sign_in, connect_store):
    acme = connect_store("acme")
    bob = member(acme, "bob@example.com")
    member(acme, "ana@example.com")
    sign_in(page, bob)

    page.goto(app_link("ana@example.com"))
    card = page.locator("[data-switch-confirm]")
    expect(card.get_by_role("heading", name="Switch accounts?")).to_be_visible()
    expect(card.locator("[data-current-account]")).to_have_text("bob@example.com")
    expect(card.locator("[data-link-account]")).to_have_text("ana@example.com")
    card.get_by_role("button", name="Stay signed in as bob@example.com").click()
    page.wait_for_url("**/")
    expect(page.locator("nav")).to_contain_text("bob@example.com")

    page.goto(app_link("ana@example.com"))
    page.get_by_role("button", name="Continue as ana@example.com").click()
    page.wait_for_url("**/s/acme/")
    expect(page.locator("nav")).to_contain_text("ana@example.com")
    no_page_errors(page)


def test_the_admin_asks_for_the_password_after_a_session_token_sign_in(page, connect_store):
    acme = connect_store("acme")
    member(acme, "root@example.com", is_staff=True, is_superuser=True)
    page.goto(app_link("root@example.com"))
    page.wait_for_url("**/s/acme/")

    page.goto("/admin/storeapi/store/")
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/admin/storeapi/store/")
    expect(page.get_by_role("heading", name="Select store to change")).to_be_visible()
    no_page_errors(page)


def test_a_hostile_tracking_link_is_shown_as_text(page, sign_in, connect_store, sandbox):
    acme = connect_store("acme")
    operator = member(acme, "ops@example.com")
    (number,) = sandbox.create_orders("acme", fulfillment_status="fulfilled")
    sandbox.set_tracking("acme", number, tracking_link="javascript:document.title='owned'", tracking_code="TRK-1")
    sign_in(page, operator)
    page.goto(f"/s/acme/orders/{number}/")
    fulfillments = page.locator("#order-fulfillments-heading").locator("xpath=ancestor::section[1]")
    expect(fulfillments).to_contain_text("TRK-1")
    expect(fulfillments.locator("a")).to_have_count(0)
    fulfillments.get_by_text("TRK-1").click()
    assert page.title() != "owned"
    no_page_errors(page)
