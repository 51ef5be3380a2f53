"""Connecting stores against the sandbox store over real HTTP.

The browser's part (the store's sign-in and consent page) is driven with `requests`
by the sandbox fixture; Storedesk's part goes through Django's test client, so the
redirects, the state in the session and the callback are the real ones.

The sandbox validates webhook targets as the platform does (a URL with a real host
name), which `http://testserver` is not: these tests use `http://storedesk.localhost`
as SITE_URL and register its callback with the sandbox, or the live server's URL
where the sandbox must really deliver webhooks to Storedesk.
"""

import html
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from dashboard.models import AuditEntry
from storeapi.client import StoreClient
from storeapi.events import new_counts
from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory
from tests.storeapi.wiretap import before_sending

SITE = "http://storedesk.localhost"
FEW_SCOPES = "store:read orders:read users:read tickets:read"


@pytest.fixture(autouse=True)
def _remove_webhooks_afterwards(sandbox):
    """Webhooks a test registered at the sandbox go with it, so that no later event is
    delivered to a Storedesk that is gone."""
    yield
    for store in sandbox.stores:
        headers = {"Authorization": f"Bearer {sandbox.issue_token(store)}", "X-29Next-Api-Version": "2024-04-01"}
        hooks = requests.get(sandbox.api_url(store, "webhooks/"), headers=headers, timeout=30).json()["results"]
        for hook in hooks:
            requests.delete(sandbox.api_url(store, f"webhooks/{hook['id']}/"), headers=headers, timeout=30)


@pytest.fixture
def site(settings, sandbox):
    settings.SITE_URL = SITE
    sandbox.add_redirect_uri(SITE + "/oauth/callback/")
    return SITE


@pytest.fixture
def owner(db):
    return OperatorFactory(email="owner@example.com")


@pytest.fixture
def browser(client, owner):
    client.force_login(owner)
    return client


def start(browser, store: str) -> str:
    response = browser.post(reverse("store_connect"), {"action": "oauth", "oauth-store": store})
    assert response.status_code == 302, response.content.decode()
    return response.url


def local(url: str) -> str:
    """The path and query of a URL on Storedesk, for the test client."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == SITE, url
    return f"{parts.path}?{parts.query}"


def connect_through_consent(browser, sandbox, store: str, *, approve: bool = True):
    authorize = start(browser, store)
    assert authorize.startswith(sandbox.authorize_url(store))
    back = sandbox.sign_in_and_approve(store, authorize, approve=approve)
    return browser.get(local(back)), back


def our_webhooks(sandbox, store_row: Store, token: str) -> list[dict]:
    response = requests.get(
        sandbox.api_url(store_row.subdomain, "webhooks/"),
        headers={"Authorization": f"Bearer {token}", "X-29Next-Api-Version": "2024-04-01"},
        timeout=30,
    )
    response.raise_for_status()
    target = f"{SITE}/webhooks/{store_row.pk}/"
    return [hook for hook in response.json()["results"] if hook["target"] == target]


def nothing_saved(subdomain: str) -> bool:
    return not Store.objects.filter(subdomain=subdomain).exists()


# --- the whole flow ---------------------------------------------------------------------


@pytest.mark.django_db
def test_connect_through_the_consent_page(browser, sandbox, site, owner):
    response, _back = connect_through_consent(browser, sandbox, "siam")
    assert response.status_code == 302, response.content.decode()
    assert response.url == reverse("store_overview", kwargs={"store": "siam"})

    store = Store.objects.get(subdomain="siam")
    assert store.status == Store.Status.CONNECTED
    assert (store.currency, store.timezone) == ("THB", "Asia/Bangkok")
    assert store.name
    assert store.refresh_token()  # the OAuth grant comes with a refresh token
    assert store.scope_set >= {"orders:write", "webhooks:write", "tickets:write"}
    assert Membership.objects.get(store=store, operator=owner).role == Role.OWNER
    assert AuditEntry.objects.filter(store=store, action="store.connected").count() == 1

    hooks = our_webhooks(sandbox, store, store.access_token())
    assert len(hooks) == 1
    assert set(hooks[0]["events"]) >= {"order.created", "ticket.updated", "app.uninstalled", "export.created"}
    # The token works for the pages.
    assert StoreClient.for_store(store).get("store/")

    page = browser.get(reverse("store_connection", kwargs={"store": "siam"})).content.decode()
    assert "orders:write" in page
    # Both reconnect forms post to store_connect for this store; one asks for a token.
    assert '<input type="hidden" name="oauth-store" value="siam"' in page
    assert '<input type="hidden" name="token-store" value="siam"' in page
    assert re.search(r'<input type="password" name="token-token"[^>]*required', page)


@pytest.mark.django_db
def test_an_install_started_from_the_store_signs_in_first(client, sandbox, site, owner):
    from tests.factories import PASSWORD

    app = client.get(reverse("oauth_app"), {"store": "siam.29next.store"})
    assert app.url.startswith(reverse("account_login"))
    signed_in = client.post(app.url, {"login": owner.email, "password": PASSWORD})
    authorize = client.get(signed_in.url)
    assert authorize.url.startswith(sandbox.authorize_url("siam"))
    back = sandbox.sign_in_and_approve("siam", authorize.url)
    assert client.get(local(back)).status_code == 302
    assert Store.objects.get(subdomain="siam").is_connected


# --- failures leave nothing behind --------------------------------------------------------


@pytest.mark.django_db
def test_consent_denied(browser, sandbox, site):
    response, back = connect_through_consent(browser, sandbox, "siam", approve=False)
    assert "error=access_denied" in back
    assert response.status_code == 400
    assert "declined" in response.content.decode()
    assert nothing_saved("siam")


@pytest.mark.django_db
def test_missing_and_wrong_state(browser, sandbox, site):
    authorize = start(browser, "siam")
    back = sandbox.sign_in_and_approve("siam", authorize)
    query = parse_qs(urlsplit(back).query)
    code = query["code"][0]
    without_state = browser.get(reverse("oauth_callback"), {"code": code, "store": "siam.29next.store"})
    assert without_state.status_code == 400
    wrong_state = browser.get(
        reverse("oauth_callback"), {"code": code, "store": "siam.29next.store", "state": "x" * 43}
    )
    assert wrong_state.status_code == 400
    assert nothing_saved("siam")


@pytest.mark.django_db
def test_state_replay_and_a_code_used_twice(browser, sandbox, site):
    response, back = connect_through_consent(browser, sandbox, "siam")
    assert response.status_code == 302
    # The same callback again: the state is spent.
    replay = browser.get(local(back))
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    # The same code with a fresh state: the store refuses it.
    fresh = parse_qs(urlsplit(start(browser, "siam")).query)["state"][0]
    code = parse_qs(urlsplit(back).query)["code"][0]
    reused = browser.get(reverse("oauth_callback"), {"code": code, "store": "siam.29next.store", "state": fresh})
    assert reused.status_code == 400
    assert "already used or has expired" in reused.content.decode()
    assert Store.objects.filter(subdomain="siam").count() == 1


@pytest.mark.django_db
def test_mix_up_the_answer_names_another_store(browser, sandbox, site):
    authorize = start(browser, "siam")
    back = sandbox.sign_in_and_approve("siam", authorize)
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    query["store"] = "bergmann.29next.store"
    response = browser.get(reverse("oauth_callback"), query)
    assert response.status_code == 400
    assert nothing_saved("siam") and nothing_saved("bergmann")


class Recorder:
    """A local server standing in for an attacker's host: it records every request."""

    def __init__(self):
        self.requests = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                recorder.requests.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"access_token": "evil", "token_type": "Bearer"}')

            do_GET = do_POST = _record  # the names http.server calls

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.mark.django_db
def test_a_forged_store_parameter_sends_nothing_to_another_host(browser, sandbox, site):
    evil = Recorder()
    try:
        authorize = start(browser, "siam")
        back = sandbox.sign_in_and_approve("siam", authorize)
        query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
        for forged in (
            evil.host,
            f"siam.29next.store@{evil.host}",
            f"{evil.host}/siam.29next.store",
            f"{evil.host}#.29next.store",
            f"siam.29next.store.{evil.host}",
        ):
            response = browser.get(reverse("oauth_callback"), {**query, "store": forged})
            assert response.status_code == 400
            install = browser.get(reverse("oauth_app"), {"store": forged})
            assert install.status_code == 400
        assert evil.requests == []
    finally:
        evil.close()
    assert nothing_saved("siam")


@pytest.mark.django_db
def test_the_token_endpoint_down(browser, sandbox, site, settings):
    authorize = start(browser, "siam")
    back = sandbox.sign_in_and_approve("siam", authorize)
    # The store's address now answers nothing (the token endpoint is down).
    settings.STOREAPI_STORE_URL = "http://127.0.0.1:9/{store}"
    response = browser.get(local(back))
    assert response.status_code == 502
    assert "did not answer" in response.content.decode()
    assert nothing_saved("siam")


def approve_fewer_scopes(sandbox, store: str, authorize_url: str, scopes: str) -> str:
    """The consent page, with the owner granting only `scopes` (the form's scope field)."""
    session = requests.Session()
    page = session.get(authorize_url, timeout=30)
    if "/dashboard/sign-in/" in page.url:
        user = re.search(r'<option value="(\d+)"', page.text).group(1)
        form = hidden_fields(page.text)
        form["user"] = user
        page = session.post(page.url, data=form, headers={"Referer": page.url}, timeout=30)
    form = hidden_fields(page.text)
    form["scope"] = scopes
    form["allow"] = "Authorize"
    answer = session.post(page.url, data=form, headers={"Referer": page.url}, allow_redirects=False, timeout=30)
    return answer.headers["Location"]


def hidden_fields(text: str) -> dict:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", text):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


@pytest.mark.django_db
def test_missing_scopes_in_the_granted_token_are_named(browser, sandbox, site):
    authorize = start(browser, "siam")
    back = approve_fewer_scopes(sandbox, "siam", authorize, FEW_SCOPES)
    response = browser.get(local(back))
    assert response.status_code == 400
    text = response.content.decode()
    assert "orders:write" in text and "webhooks:write" in text
    assert nothing_saved("siam")


# --- pasted tokens --------------------------------------------------------------------------


@pytest.mark.django_db
def test_paste_a_token(browser, sandbox, site, owner):
    token = sandbox.issue_token("bergmann")
    response = browser.post(
        reverse("store_connect"), {"action": "token", "token-store": "bergmann", "token-token": token}
    )
    assert response.status_code == 302
    store = Store.objects.get(subdomain="bergmann")
    assert (store.currency, store.timezone) == ("EUR", "Europe/Berlin")
    assert Membership.objects.get(store=store, operator=owner).role == Role.OWNER
    assert len(our_webhooks(sandbox, store, token)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["garbage", "revoked", "other-store"])
def test_paste_a_bad_token(browser, sandbox, site, which):
    if which == "garbage":
        token = "not-a-real-token-0000000000"
    elif which == "revoked":
        token = sandbox.issue_token("bergmann")
        sandbox.revoke_tokens("bergmann")
    else:
        token = sandbox.issue_token("acme")
    response = browser.post(
        reverse("store_connect"), {"action": "token", "token-store": "bergmann", "token-token": token}
    )
    assert response.status_code == 400
    assert "did not accept this access token" in response.content.decode()
    assert nothing_saved("bergmann")
    # An error report of this request (a mail to ADMINS) would not show the token.
    assert token not in str(SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request))


@pytest.mark.django_db
def test_a_token_without_webhook_permission_is_refused_with_the_scope_named(browser, sandbox, site):
    token = sandbox.issue_token("bergmann", scopes=FEW_SCOPES)
    response = browser.post(
        reverse("store_connect"), {"action": "token", "token-store": "bergmann", "token-token": token}
    )
    assert response.status_code == 400
    assert "webhooks:write" in response.content.decode()
    assert nothing_saved("bergmann")


@pytest.mark.django_db
def test_a_store_of_another_team_is_refused_not_taken_over(browser, sandbox, site):
    other_team = OperatorFactory()
    token = sandbox.issue_token("bergmann")
    first = Client()
    first.force_login(other_team)
    assert (
        first.post(
            reverse("store_connect"), {"action": "token", "token-store": "bergmann", "token-token": token}
        ).status_code
        == 302
    )
    before = Store.objects.get(subdomain="bergmann")
    response = browser.post(
        reverse("store_connect"),
        {"action": "token", "token-store": "bergmann", "token-token": sandbox.issue_token("bergmann")},
    )
    assert response.status_code == 400
    assert "another team" in response.content.decode()
    after = Store.objects.get(subdomain="bergmann")
    assert after.access_token() == before.access_token() == token
    assert list(after.memberships.values_list("operator", flat=True)) == [other_team.pk]


# --- disconnect and reconnect ---------------------------------------------------------------


@pytest.mark.django_db
def test_disconnect_then_reconnect(browser, sandbox, site, owner):
    token = sandbox.issue_token("acme")
    browser.post(reverse("store_connect"), {"action": "token", "token-store": "acme", "token-token": token})
    store = Store.objects.get(subdomain="acme")
    assert len(our_webhooks(sandbox, store, token)) == 1

    response = browser.post(reverse("store_disconnect", kwargs={"store": "acme"}), {"confirm": "on"})
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.status == Store.Status.DISCONNECTED
    assert store.access_token() == "" and store.webhook_secret() == ""
    assert our_webhooks(sandbox, store, token) == []  # removed at the store

    response, _ = connect_through_consent(browser, sandbox, "acme")
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.is_connected
    assert len(our_webhooks(sandbox, store, store.access_token())) == 1
    assert Membership.objects.filter(store=store).count() == 1


# --- session tokens from the sandbox's "open app" -----------------------------------------------


@pytest.fixture
def member_of_acme(db, sandbox):
    from allauth.account.models import EmailAddress

    store = Store.objects.create(subdomain="acme", name="Acme", status=Store.Status.CONNECTED)
    store.set_tokens(access_token=sandbox.issue_token("acme"))
    store.save()
    operator = OperatorFactory(email="agent.acme@example.com")
    EmailAddress.objects.create(user=operator, email=operator.email, verified=True, primary=True)
    MembershipFactory(store=store, operator=operator, role=Role.AGENT)
    sandbox.add_staff("acme", operator.email)
    return operator


def app_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.django_db
def test_open_the_app_from_the_store_dashboard(client, sandbox, member_of_acme):
    url, _token = sandbox.session_token("acme", email=member_of_acme.email)
    response = client.get(app_path(url))
    assert response.status_code == 302
    assert response.url == reverse("store_overview", kwargs={"store": "acme"})
    assert client.get(response.url).status_code == 200
    # Accepted once.
    client.logout()
    assert client.get(app_path(url)).status_code == 400


@pytest.mark.django_db
def test_a_store_user_without_membership_is_told_how_to_get_access(client, sandbox, member_of_acme):
    sandbox.add_staff("acme", "newcomer@example.com")
    url, _ = sandbox.session_token("acme", email="newcomer@example.com")
    response = client.get(app_path(url))
    assert response.status_code == 403
    assert "invite" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # not signed in


@pytest.mark.django_db
def test_a_session_token_of_another_store_is_refused(client, sandbox, member_of_acme):
    _url, token = sandbox.session_token("acme", email=member_of_acme.email)
    forged = reverse("oauth_app") + "?" + urlencode({"store": "bergmann.29next.store", "token": token})
    assert client.get(forged).status_code == 400


# --- webhooks delivered by the sandbox to a running Storedesk ------------------------------------


@pytest.fixture
def live_site(live_server, settings, sandbox):
    settings.SITE_URL = live_server.url
    sandbox.add_redirect_uri(live_server.url + "/oauth/callback/")
    return live_server.url


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_webhooks_from_the_sandbox_are_verified_and_processed(live_site, sandbox, celery_worker):
    owner = OperatorFactory()
    token = sandbox.issue_token("bergmann")
    from storeapi.connect import store_connect_with_token

    store = store_connect_with_token(subdomain="bergmann", token=token, operator=owner)
    numbers = sandbox.create_orders("bergmann", count=2)
    deliveries = sandbox.wait_for_deliveries(
        "bergmann", predicate=lambda d: d["event_type"] == "order.created" and d["status_code"] == 200, count=2
    )
    assert len(deliveries) == 2, sandbox.webhook_deliveries("bergmann")
    assert all(d["target"] == f"{live_site}/webhooks/{store.pk}/" for d in deliveries)
    assert wait_until(lambda: new_counts(store)["orders"] == 2), new_counts(store)
    assert len(numbers) == 2


def test_app_uninstalled_disconnects_the_store(live_site, sandbox, celery_worker):
    owner = OperatorFactory()
    from storeapi.connect import store_connect_with_token

    store = store_connect_with_token(subdomain="siam", token=sandbox.issue_token("siam", app=True), operator=owner)
    sandbox.uninstall_app("siam")
    delivered = sandbox.wait_for_deliveries("siam", predicate=lambda d: d["event_type"] == "app.uninstalled")
    assert delivered and delivered[0]["status_code"] == 200

    def disconnected():
        store.refresh_from_db()
        return store.status == Store.Status.DISCONNECTED

    assert wait_until(disconnected)
    assert store.access_token() == ""


# --- no transaction and no row lock while the store is asked -------------------------------------


def row_lock_is_free(subdomain: str) -> bool | None:
    """From another database connection (another thread): can the store's row be locked
    right now, without waiting? None when no such row is visible."""
    result = []

    def look():
        try:
            with transaction.atomic():
                result.append(bool(list(Store.objects.select_for_update(nowait=True).filter(subdomain=subdomain))))
                if not result[0]:
                    result[0] = None
        except DatabaseError:
            result.append(False)
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return result[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reconnect", [False, True], ids=["new-store", "reconnect"])
def test_no_transaction_or_row_lock_is_held_while_the_webhook_is_registered(sandbox, site, reconnect):
    """The webhook POST is a network call: the store may take its whole read timeout to
    answer. While it is under way, this connect holds no transaction, and the store's
    row is free for everyone else (the token refresh, a disconnect, the webhook receiver)."""
    from storeapi.connect import store_connect_with_token

    owner = OperatorFactory()
    if reconnect:
        store_connect_with_token(subdomain="bergmann", token=sandbox.issue_token("bergmann"), operator=owner)
    seen = []

    def look(request):  # the webhook POST is about to leave
        seen.append({"transaction_open": connection.in_atomic_block, "row_free": row_lock_is_free("bergmann")})

    with before_sending(sandbox.api_url("bergmann", "webhooks/"), look, method="POST"):
        store = store_connect_with_token(subdomain="bergmann", token=sandbox.issue_token("bergmann"), operator=owner)
    assert seen == [{"transaction_open": False, "row_free": True}]
    assert store.is_connected
    assert len(our_webhooks(sandbox, store, store.access_token())) == 1
    assert AuditEntry.objects.filter(store=store, action="store.connected").count() == (2 if reconnect else 1)


@pytest.mark.django_db(transaction=True)
def test_two_connects_of_one_store_at_once_leave_one_connection(sandbox, site):
    """A second connect that starts while the first registers its webhook waits for the
    first, then replaces it: one webhook at the store, the second token saved."""
    from storeapi.connect import store_connect_with_token

    owner = OperatorFactory()
    first_token, second_token = sandbox.issue_token("bergmann"), sandbox.issue_token("bergmann")
    errors = []

    def connect_second():
        try:
            store_connect_with_token(subdomain="bergmann", token=second_token, operator=owner)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    second = threading.Thread(target=connect_second)

    def start_second(request):
        if second.ident is None:
            second.start()

    with before_sending(sandbox.api_url("bergmann", "webhooks/"), start_second, method="POST"):
        store_connect_with_token(subdomain="bergmann", token=first_token, operator=owner)
        second.join(timeout=120)
    assert errors == []
    store = Store.objects.get(subdomain="bergmann")
    assert store.is_connected and store.access_token() == second_token
    assert len(our_webhooks(sandbox, store, second_token)) == 1
    assert Membership.objects.filter(store=store).count() == 1


@pytest.mark.django_db
def test_a_failed_webhook_registration_leaves_a_connected_store_as_it_was(browser, sandbox, site, owner):
    token = sandbox.issue_token("bergmann")
    browser.post(reverse("store_connect"), {"action": "token", "token-store": "bergmann", "token-token": token})
    before = Store.objects.get(subdomain="bergmann")
    response = browser.post(
        reverse("store_connect"),
        {"action": "token", "token-store": "bergmann", "token-token": sandbox.issue_token("bergmann", FEW_SCOPES)},
    )
    assert response.status_code == 400
    assert "webhooks:write" in response.content.decode()
    after = Store.objects.get(subdomain="bergmann")
    assert (after.access_token_encrypted, after.webhook_secret_encrypted, after.connected_at) == (
        before.access_token_encrypted,
        before.webhook_secret_encrypted,
        before.connected_at,
    )
    assert after.is_connected
    assert AuditEntry.objects.filter(store=after, action="store.connected").count() == 1
    assert len(our_webhooks(sandbox, after, token)) == 1
