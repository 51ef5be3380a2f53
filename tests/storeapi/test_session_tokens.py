"""Session tokens: the store dashboard opens Storedesk's App URL with a signed JWT.

The tokens here are signed the way the platform signs them (HS256 with the client
secret); the sandbox's own tokens are tested in test_connect_sandbox.py.
"""

import time
import uuid

import jwt
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

pytestmark = pytest.mark.django_db

APP_URL = "/oauth/app/"


def make_token(store="acme", *, email="ana@example.com", key=None, alg="HS256", **overrides):
    now = int(time.time())
    claims = {
        "iss": f"{store}.29next.store",
        "sub": "42",
        "uid": 42,
        "store": f"{store}.29next.store",
        "user_email": email,
        "aud": settings.STOREAPI_CLIENT_ID,
        "iat": now,
        "exp": now + 30,
        "jti": uuid.uuid4().hex,  # two tokens made in one second differ, as the store's do
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key if key is not None else settings.STOREAPI_CLIENT_SECRET, algorithm=alg)


@pytest.fixture
def acme():
    return StoreFactory(subdomain="acme", name="Acme")


@pytest.fixture
def ana(acme):
    operator = OperatorFactory(email="ana@example.com")
    EmailAddress.objects.create(user=operator, email=operator.email, verified=True, primary=True)
    MembershipFactory(operator=operator, store=acme, role=Role.AGENT)
    return operator


def open_app(client, token, store="acme.29next.store"):
    return client.get(APP_URL, {"store": store, "token": token})


def signed_in_as(client):
    response = client.get(reverse("home"))
    return response.context["user"] if response.status_code == 200 else None


def test_a_valid_token_signs_the_member_in_and_drops_the_token_from_the_url(client, ana):
    response = open_app(client, make_token())
    assert response.status_code == 302
    assert response.url == reverse("store_overview", kwargs={"store": "acme"})
    assert "token" not in response.url
    assert response["Referrer-Policy"] == "no-referrer"
    assert signed_in_as(client) == ana


def test_the_session_id_changes_at_sign_in(client, ana):
    client.get(reverse("account_login"))
    before = client.session.session_key
    open_app(client, make_token())
    assert client.session.session_key != before


def test_a_token_is_accepted_once(client, ana):
    token = make_token()
    assert open_app(client, token).status_code == 302
    client.logout()
    response = open_app(client, token)
    assert response.status_code == 400
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "token_kwargs",
    [
        pytest.param({"iat": -120, "exp": -60}, id="expired"),
        pytest.param({"aud": "another-app"}, id="wrong-audience"),
        pytest.param({"aud": None}, id="no-audience"),
        pytest.param({"key": "not-the-client-secret-0123456789abcdef"}, id="wrong-key"),
        pytest.param({"store": "bergmann.29next.store"}, id="store-claim-differs"),
        pytest.param({"iss": "bergmann.29next.store"}, id="issuer-differs"),
        pytest.param({"iss": None}, id="no-issuer"),
        pytest.param({"user_email": None}, id="no-user-email"),
        pytest.param({"exp": None}, id="no-expiry"),
        pytest.param({"iat": 0, "exp": 3600}, id="lifetime-an-hour"),
        pytest.param({"iat": 120, "exp": 150}, id="issued-in-the-future"),
        pytest.param({"nbf": 120}, id="not-yet-valid"),
        pytest.param(
            {"alg": "HS512"},
            id="other-algorithm",
            marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
        ),
        pytest.param({"store": "acme.29next.store.evil.com"}, id="forged-store-claim"),
    ],
)
def test_bad_tokens_are_refused(client, ana, token_kwargs):
    # Times are given relative to now (the parameters are built at collection time).
    now = int(time.time())
    token_kwargs = {k: now + v if k in ("iat", "exp", "nbf") and v is not None else v for k, v in token_kwargs.items()}
    response = open_app(client, make_token(**token_kwargs))
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert signed_in_as(client) is None


def test_alg_none_is_refused(client, ana):
    now = int(time.time())
    claims = {
        "iss": "acme.29next.store",
        "store": "acme.29next.store",
        "user_email": "ana@example.com",
        "aud": settings.STOREAPI_CLIENT_ID,
        "iat": now,
        "exp": now + 30,
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert open_app(client, unsigned).status_code == 400
    assert signed_in_as(client) is None


@pytest.mark.parametrize("garbage", ["", "x", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "é" * 50, "x" * 10000])
def test_garbage_tokens_are_refused_without_a_500(client, ana, garbage):
    assert open_app(client, garbage).status_code == 400


def test_the_query_store_must_match_the_token(client, ana):
    StoreFactory(subdomain="bergmann")
    response = open_app(client, make_token("acme"), store="bergmann.29next.store")
    assert response.status_code == 400
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "store", ["evil.com", "acme.29next.store.evil.com", "acme.29next.store@evil.com", "ACME.29next.store"]
)
def test_a_forged_store_parameter_is_refused(client, ana, store):
    response = open_app(client, make_token(), store=store)
    assert response.status_code == 400
    assert signed_in_as(client) is None


def test_a_store_user_without_membership_gets_an_explanation_and_nothing_is_created(client, acme):
    operator = OperatorFactory(email="bo@example.com")
    EmailAddress.objects.create(user=operator, email=operator.email, verified=True, primary=True)
    operators_before = type(operator).objects.count()
    response = open_app(client, make_token(email="bo@example.com"))
    assert response.status_code == 403
    assert "invite" in response.content.decode()
    assert signed_in_as(client) is None
    assert type(operator).objects.count() == operators_before
    assert not acme.memberships.exists()


def test_an_unknown_email_creates_no_account(client, acme):
    response = open_app(client, make_token(email="stranger@example.com"))
    assert response.status_code == 403
    assert not EmailAddress.objects.filter(email="stranger@example.com").exists()


def test_an_unverified_address_does_not_sign_in(client, ana):
    EmailAddress.objects.filter(user=ana).update(verified=False)
    assert open_app(client, make_token()).status_code == 403
    assert signed_in_as(client) is None


def test_an_inactive_operator_is_refused(client, ana):
    ana.is_active = False
    ana.save()
    assert open_app(client, make_token()).status_code == 403
    assert signed_in_as(client) is None


def test_a_disconnected_store_is_refused(client, ana, acme):
    acme.status = Store.Status.DISCONNECTED
    acme.save()
    response = open_app(client, make_token())
    assert response.status_code == 403
    assert "not connected" in response.content.decode()


def test_an_operator_with_mfa_goes_through_the_normal_sign_in(client, ana):
    Authenticator.objects.create(user=ana, type=Authenticator.Type.TOTP, data={"secret": "x"})
    response = open_app(client, make_token())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "token" not in response.url
    assert signed_in_as(client) is None


def test_with_mfa_required_nobody_signs_in_from_a_token(client, ana, settings):
    settings.STOREDESK_REQUIRE_MFA = True
    response = open_app(client, make_token())
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


# --- a link for another operator than the one signed in (issue 11, §10) ----------------------

SWITCH_URL = "/oauth/app/switch/"


@pytest.fixture
def bob(client):
    """Signed in in this browser before the link is opened."""
    bob = OperatorFactory(email="bob@example.com")
    client.force_login(bob)
    return bob


def test_a_token_for_another_operator_asks_first_naming_both_accounts(client, ana, bob):
    response = open_app(client, make_token())
    # Asked on a URL without the token (a no-referrer page would post `Origin: null`).
    assert response.status_code == 302 and response.url == SWITCH_URL
    assert response["Referrer-Policy"] == "no-referrer"
    response = client.get(SWITCH_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Switch accounts?" in html
    assert "bob@example.com" in html and "ana@example.com" in html and "Acme" in html
    assert f'action="{SWITCH_URL}"' in html and "csrfmiddlewaretoken" in html
    # Nothing changed yet: Bob is still signed in, wherever he goes.
    assert signed_in_as(client) == bob


def test_switching_needs_the_confirmation(client, ana, bob):
    open_app(client, make_token())
    response = client.post(SWITCH_URL, {"action": "switch"})
    assert response.status_code == 302
    assert response.url == reverse("store_overview", kwargs={"store": "acme"})
    assert signed_in_as(client) == ana


def test_staying_keeps_the_current_session_and_forgets_the_link(client, ana, bob):
    open_app(client, make_token())
    response = client.post(SWITCH_URL, {"action": "stay"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in_as(client) == bob
    # The question was answered: confirming afterwards does nothing.
    assert client.post(SWITCH_URL, {"action": "switch"}).status_code == 400
    assert signed_in_as(client) == bob


def test_the_confirmation_needs_the_csrf_token(ana, bob):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    assert open_app(browser, make_token()).url == SWITCH_URL
    assert browser.post(SWITCH_URL, {"action": "switch"}).status_code == 403
    assert signed_in_as(browser) == bob


def test_a_confirmation_without_a_question_in_this_session_switches_nobody(client, ana, bob):
    assert client.get(SWITCH_URL).status_code == 400
    assert client.post(SWITCH_URL, {"action": "switch"}).status_code == 400
    assert signed_in_as(client) == bob


def test_a_question_asked_of_another_operator_is_not_theirs_to_answer(client, ana, bob):
    open_app(client, make_token())
    session = client.session
    pending = session["storeapi:session-token-switch"]
    carol = OperatorFactory()
    client.force_login(carol)  # a login that kept the session's data
    session = client.session
    session["storeapi:session-token-switch"] = pending
    session.save()
    assert client.post(SWITCH_URL, {"action": "switch"}).status_code == 400
    assert signed_in_as(client) == carol


def test_a_confirmation_after_the_question_expired_switches_nobody(client, ana, bob, monkeypatch):
    open_app(client, make_token())
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 301)
    assert client.post(SWITCH_URL, {"action": "switch"}).status_code == 400
    monkeypatch.undo()
    assert signed_in_as(client) == bob


def test_the_operator_is_checked_again_at_the_confirmation(client, ana, bob):
    open_app(client, make_token())
    Membership.objects.filter(operator=ana).delete()
    assert client.post(SWITCH_URL, {"action": "switch"}).status_code == 403
    assert signed_in_as(client) == bob


def test_a_confirmed_switch_to_an_operator_with_mfa_goes_through_the_normal_sign_in(client, ana, bob):
    Authenticator.objects.create(user=ana, type=Authenticator.Type.TOTP, data={"secret": "x"})
    open_app(client, make_token())
    response = client.post(SWITCH_URL, {"action": "switch"})
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_only_a_post_switches(client, ana, bob):
    open_app(client, make_token())
    assert client.get(SWITCH_URL, {"action": "switch"}).status_code == 200  # the question again
    assert signed_in_as(client) == bob
    assert client.put(SWITCH_URL).status_code == 405


@pytest.mark.parametrize(
    "issuer",
    ["acme.29next.store", "https://acme.29next.store", "https://acme.29next.store/dashboard"],
)
def test_issuers_naming_the_store_are_accepted(client, ana, issuer):
    assert open_app(client, make_token(iss=issuer)).status_code == 302


@pytest.mark.parametrize(
    "issuer",
    [
        "https://bergmann.29next.store/dashboard",
        "https://acme.29next.store.evil.com/dashboard",
        "https://acme.29next.store@evil.com/",
        "http://evil.com/acme.29next.store",
        "",
    ],
)
def test_issuers_naming_something_else_are_refused(client, ana, issuer):
    assert open_app(client, make_token(iss=issuer)).status_code == 400
