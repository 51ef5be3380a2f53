"""The authorization-code flow end to end, with requests-oauthlib as the client."""

from urllib.parse import parse_qsl, urlparse

import pytest
import requests
from oauthlib.oauth2 import InvalidGrantError
from requests_oauthlib import OAuth2Session

from tests.sandbox_server import TEST_REDIRECT_URI

SCOPES = ["store:read", "orders:read", "tickets:read"]


@pytest.fixture(autouse=True)
def _http_is_fine_locally(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def client(sandbox, redirect_uri=TEST_REDIRECT_URI, scope=SCOPES):
    return OAuth2Session(sandbox.client_id, redirect_uri=redirect_uri, scope=scope)


def authorize(sandbox, store, session, approve=True):
    url, state = session.authorization_url(sandbox.authorize_url(store))
    redirect = sandbox.sign_in_and_approve(store, url, approve=approve)
    return redirect, state


def fetch(sandbox, store, session, redirect):
    return session.fetch_token(
        sandbox.token_url(store),
        authorization_response=redirect,
        client_secret=sandbox.client_secret,
        include_client_id=True,
    )


def query(url):
    return parse_qsl(urlparse(url).query)


def test_approve_then_exchange_the_code(sandbox):
    session = client(sandbox)
    redirect, state = authorize(sandbox, "acme", session)
    assert redirect.startswith(TEST_REDIRECT_URI)
    params = query(redirect)
    assert params[0] == ("store", "acme.29next.store")
    assert dict(params)["state"] == state and dict(params)["code"]

    token = fetch(sandbox, "acme", session, redirect)
    assert token["token_type"] == "Bearer"
    assert token["access_token"] and token["refresh_token"]
    assert token["expires_in"] > 365 * 24 * 3600
    assert sorted(token["scope"]) == sorted(SCOPES)

    response = session.get(sandbox.api_url("acme", "orders/"), timeout=30)
    assert response.status_code == 200
    assert session.get(sandbox.api_url("acme", "users/"), timeout=30).status_code == 403


def test_deny_redirects_with_access_denied(sandbox):
    session = client(sandbox)
    redirect, state = authorize(sandbox, "bergmann", session, approve=False)
    params = dict(query(redirect))
    assert params == {"store": "bergmann.29next.store", "error": "access_denied", "state": state}


def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(sandbox):
    browser, _ = sandbox.sign_in("acme")
    session = client(sandbox, redirect_uri="https://evil.example.com/callback/")
    url, _ = session.authorization_url(sandbox.authorize_url("acme"))
    response = browser.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.text


def test_a_code_works_once(sandbox):
    session = client(sandbox)
    redirect, _ = authorize(sandbox, "acme", session)
    fetch(sandbox, "acme", session, redirect)
    with pytest.raises(InvalidGrantError):
        fetch(sandbox, "acme", client(sandbox), redirect)


def test_a_code_from_one_store_is_refused_by_another(sandbox):
    session = client(sandbox)
    redirect, _ = authorize(sandbox, "acme", session)
    with pytest.raises(InvalidGrantError):
        fetch(sandbox, "bergmann", session, redirect)


def test_a_wrong_client_secret_is_refused(sandbox):
    session = client(sandbox)
    redirect, _ = authorize(sandbox, "acme", session)
    code = dict(query(redirect))["code"]
    response = requests.post(
        sandbox.token_url("acme"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": TEST_REDIRECT_URI,
            "client_id": sandbox.client_id,
            "client_secret": "wrong",
        },
        timeout=30,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_gives_a_new_token_and_retires_the_old_one(sandbox):
    session = client(sandbox)
    redirect, _ = authorize(sandbox, "siam", session)
    first = fetch(sandbox, "siam", session, redirect)
    second = session.refresh_token(
        sandbox.token_url("siam"),
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        include_client_id=True,
    )
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert sandbox.api("siam", "GET", "store/", first["access_token"]).status_code == 401
    assert session.get(sandbox.api_url("siam", "store/"), timeout=30).status_code == 200
    # A refresh token of siam is no good at acme's token endpoint.
    response = requests.post(
        sandbox.token_url("acme"),
        data={
            "grant_type": "refresh_token",
            "refresh_token": second["refresh_token"],
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
        timeout=30,
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_revoked_tokens_answer_401(sandbox):
    session = client(sandbox)
    redirect, _ = authorize(sandbox, "bergmann", session)
    fetch(sandbox, "bergmann", session, redirect)
    assert session.get(sandbox.api_url("bergmann", "store/"), timeout=30).status_code == 200
    assert sandbox.uninstall_app("bergmann") >= 1
    assert session.get(sandbox.api_url("bergmann", "store/"), timeout=30).status_code == 401


def test_the_consent_page_needs_a_signed_in_store_user(sandbox):
    session = client(sandbox)
    url, _ = session.authorization_url(sandbox.authorize_url("acme"))
    response = requests.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/acme/dashboard/sign-in/?next=")


def test_an_unknown_scope_redirects_with_invalid_scope(sandbox):
    session = client(sandbox, scope=["orders:read", "no:such-scope"])
    url, state = session.authorization_url(sandbox.authorize_url("acme"))
    params = dict(query(sandbox.sign_in_and_approve("acme", url)))
    assert params["error"] == "invalid_scope" and params["state"] == state and params["store"] == "acme.29next.store"


def test_the_fixture_reports_an_error_page(sandbox):
    from tests.sandbox_server import SandboxError

    url, _ = client(sandbox, redirect_uri="https://evil.example.com/cb/").authorization_url(
        sandbox.authorize_url("acme")
    )
    with pytest.raises(SandboxError):
        sandbox.sign_in_and_approve("acme", url)
