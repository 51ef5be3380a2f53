"""The sandbox store dashboard, driven like a browser: sign in, API Access, open and uninstall apps."""

import re
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests

from tests.sandbox_server import TEST_APP_URL, _form


def signed_in(sandbox, store, email=None):
    browser = requests.Session()
    page = browser.get(sandbox.dashboard_url(store), timeout=30)
    assert "/dashboard/sign-in/" in page.url
    _, home = sandbox.sign_in(store, email, browser=browser, page=page)
    assert home.status_code == 200 and home.url.rstrip("/").endswith("/dashboard")
    return browser, home


def test_sign_in_lists_the_store_users(sandbox):
    sandbox.add_staff("bergmann", "ops@example.com")
    _, home = signed_in(sandbox, "bergmann", email="ops@example.com")
    assert "Bergmann Haus &amp; Garten" in home.text and "ops@example.com" in home.text


def test_api_access_creates_and_revokes_tokens_with_chosen_scopes(sandbox):
    browser, _ = signed_in(sandbox, "acme")
    url = sandbox.dashboard_url("acme") + "settings/api-access/"
    page = browser.get(url, timeout=30)
    form = {**_form(page.text), "action": "create", "scopes": ["orders:read", "store:read"]}
    created = browser.post(url, data=form, headers={"Referer": url}, timeout=30)
    token = re.search(r'<code id="new-token">([^<]+)</code>', created.text).group(1)
    assert sandbox.api("acme", "GET", "orders/", token).status_code == 200
    assert sandbox.api("acme", "GET", "users/", token).status_code == 403

    token_id = re.findall(r'name="token" value="(\d+)"', created.text)[0]
    form = {**_form(created.text), "action": "revoke", "token": token_id}
    browser.post(url, data=form, headers={"Referer": url}, timeout=30)
    assert sandbox.api("acme", "GET", "orders/", token).status_code == 401


def test_open_app_hands_the_app_a_session_token(sandbox):
    sandbox.issue_token("acme", "store:read", app=True)  # the app is installed in acme
    browser, home = signed_in(sandbox, "acme")
    assert sandbox.client_id in home.text
    before = int(time.time())
    response = browser.get(
        sandbox.dashboard_url("acme") + f"apps/{sandbox.client_id}/open/", allow_redirects=False, timeout=30
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(TEST_APP_URL)
    query = parse_qs(urlparse(location).query)
    assert query["store"] == ["acme.29next.store"]
    claims = jwt.decode(query["token"][0], sandbox.client_secret, audience=sandbox.client_id, algorithms=["HS256"])
    assert jwt.get_unverified_header(query["token"][0])["alg"] == "HS256"
    assert claims["store"] == "acme.29next.store"
    assert claims["iss"] == "https://acme.29next.store/dashboard"
    assert claims["sub"] == "https://acme.29next.store"
    assert claims["exp"] - claims["iat"] == 30 and claims["nbf"] == claims["iat"] >= before
    assert claims["uid"] and claims["user_email"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(query["token"][0], "wrong-secret-" + "x" * 40, audience=sandbox.client_id, algorithms=["HS256"])


def test_session_tokens_carry_the_e_mail_of_the_store_user(sandbox):
    url, token = sandbox.session_token("siam", email="demo@example.com")
    claims = jwt.decode(token, sandbox.client_secret, audience=sandbox.client_id, algorithms=["HS256"])
    assert claims["user_email"] == "demo@example.com" and claims["store"] == "siam.29next.store"
    assert url.startswith(TEST_APP_URL) and "token=" in url


def test_the_install_link_opens_the_app_with_the_store(sandbox):
    browser, _ = signed_in(sandbox, "bergmann")
    response = browser.get(
        sandbox.dashboard_url("bergmann") + "apps/install-app/",
        params={"client_id": sandbox.client_id},
        allow_redirects=False,
        timeout=30,
    )
    assert response.headers["Location"] == f"{TEST_APP_URL}?store=bergmann.29next.store"


def test_uninstall_from_the_dashboard(sandbox):
    token = sandbox.issue_token("bergmann", "store:read", app=True)
    browser, home = signed_in(sandbox, "bergmann")
    url = sandbox.dashboard_url("bergmann") + f"apps/{sandbox.client_id}/uninstall/"
    page = browser.post(url, data=_form(home.text), headers={"Referer": home.url}, timeout=30)
    assert "uninstalled" in page.text
    assert sandbox.api("bergmann", "GET", "store/", token).status_code == 401


def test_webhook_deliveries_page(sandbox):
    browser, _ = signed_in(sandbox, "acme")
    page = browser.get(sandbox.dashboard_url("acme") + "webhooks/", timeout=30)
    assert page.status_code == 200 and "Deliveries" in page.text


def test_dashboard_pages_need_sign_in(sandbox):
    for path in ("", "settings/api-access/", "webhooks/", f"apps/{sandbox.client_id}/open/"):
        response = requests.get(sandbox.dashboard_url("acme") + path, allow_redirects=False, timeout=30)
        assert response.status_code == 302 and "/dashboard/sign-in/" in response.headers["Location"], path
