"""The connect flows' checks and error mapping, with the store's HTTP faked exactly.

`responses` stands in for the store so every branch of the token exchange is pinned
(and so that "no request left" can be asserted: an unregistered URL would be
recorded as a call). The same flows against the sandbox store over real HTTP are in
test_connect_sandbox.py.
"""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.test import Client
from django.urls import reverse

from dashboard.models import AuditEntry
from storeapi.connect import WEBHOOK_EVENTS, ConnectError, connect_finish, connect_start
from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

pytestmark = pytest.mark.django_db

ORIGIN = "https://acme.29next.store"
ALL_SCOPES = (
    "store:read orders:read orders:write users:read users:write tickets:read tickets:write "
    "exports:read exports:write webhooks:read webhooks:write"
)


@pytest.fixture(autouse=True)
def https_store_urls(settings):
    settings.STOREAPI_STORE_URL = "https://{store}.29next.store"
    settings.STOREAPI_SCOPES = ALL_SCOPES


@pytest.fixture
def owner_client(client, operator):
    client.force_login(operator)
    return client


def state_of(authorize_url: str) -> str:
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


def start(client, store="acme") -> str:
    """POST the connect form; returns the state put in the authorize URL."""
    response = client.post(reverse("store_connect"), {"action": "oauth", "oauth-store": store})
    assert response.status_code == 302, response.content
    return state_of(response.url)


def callback(client, **params):
    return client.get(reverse("oauth_callback"), params)


def fake_store(*, token_json=None, token_status=200, token_body=None, scope=ALL_SCOPES):
    """Register the store's token endpoint, store/ and webhooks/ with responses."""
    if token_body is not None:
        responses.post(f"{ORIGIN}/oauth2/token/", body=token_body, status=token_status)
    else:
        responses.post(
            f"{ORIGIN}/oauth2/token/",
            status=token_status,
            json=token_json
            or {
                "access_token": "acme-access-0001",
                "refresh_token": "acme-refresh-0001",
                "token_type": "Bearer",
                "expires_in": 315360000,
                "scope": scope,
            },
        )
    responses.get(
        f"{ORIGIN}/api/admin/store/",
        json=[
            {
                "name": "Acme Outdoor",
                "timezone": "America/New_York",
                "available_currencies": [{"code": "USD", "label": "US Dollar"}],
            }
        ],
    )
    responses.post(f"{ORIGIN}/api/admin/webhooks/", status=201, json={"id": 77, "target": "x", "events": []})
    responses.get(f"{ORIGIN}/api/admin/webhooks/", json={"next": None, "previous": None, "results": []})


def assert_nothing_saved(subdomain="acme"):
    assert not Store.objects.filter(subdomain=subdomain).exists()
    assert not Membership.objects.filter(store__subdomain=subdomain).exists()


# --- starting -----------------------------------------------------------------------------


def test_the_connect_page_is_linked_from_home_and_needs_sign_in(client, operator):
    assert client.get(reverse("store_connect")).status_code == 302
    client.force_login(operator)
    assert reverse("store_connect") in client.get(reverse("home")).content.decode()
    page = client.get(reverse("store_connect"))
    assert page.status_code == 200
    assert "Paste an API token" in page.content.decode()


def test_starting_redirects_to_the_stores_authorize_url_with_a_state(owner_client, settings):
    response = owner_client.post(reverse("store_connect"), {"action": "oauth", "oauth-store": "acme.29next.store"})
    url = urlsplit(response.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ORIGIN}/oauth2/authorize/"
    query = parse_qs(url.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [settings.STOREAPI_CLIENT_ID]
    assert query["redirect_uri"] == ["http://testserver/oauth/callback/"]
    assert query["scope"] == [ALL_SCOPES]
    assert len(query["state"][0]) >= 40
    # A second start gets another state.
    assert start(owner_client) != query["state"][0]


@pytest.mark.parametrize(
    "typed",
    [
        "evil.com",
        "x.29next.store.evil.com",
        "evil.com#.29next.store",
        "x.29next.store@evil.com",
        "a.b.29next.store",
        "acme\r\nLocation: http://evil.com",
        "\u0430cme",  # Cyrillic a
        "acme.29next.store:443",
        "-acme",
    ],
)
def test_a_forged_store_never_becomes_a_host(owner_client, typed):
    with responses.RequestsMock() as mocked:
        response = owner_client.post(reverse("store_connect"), {"action": "oauth", "oauth-store": typed})
        assert len(mocked.calls) == 0
    assert response.status_code == 400
    assert "Enter a store subdomain" in response.content.decode()


def test_unknown_actions_are_refused(owner_client):
    assert owner_client.post(reverse("store_connect"), {"action": "delete", "oauth-store": "acme"}).status_code == 400


def test_the_connect_form_needs_csrf(operator):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(operator)
    response = csrf_client.post(reverse("store_connect"), {"action": "oauth", "oauth-store": "acme"})
    assert response.status_code == 403


def test_a_store_of_another_team_is_refused_before_leaving(owner_client):
    MembershipFactory(store=StoreFactory(subdomain="acme"), role=Role.OWNER)
    response = owner_client.post(reverse("store_connect"), {"action": "oauth", "oauth-store": "acme"})
    assert response.status_code == 400
    assert "another team" in response.content.decode()


def test_a_member_who_is_not_owner_cannot_reconnect(owner_client, operator):
    MembershipFactory(store=StoreFactory(subdomain="acme"), operator=operator, role=Role.MANAGER)
    response = owner_client.post(reverse("store_connect"), {"action": "oauth", "oauth-store": "acme"})
    assert "Only an owner" in response.content.decode()


# --- the callback ---------------------------------------------------------------------------


@responses.activate
def test_a_good_callback_connects_the_store(owner_client, operator):
    fake_store()
    state = start(owner_client)
    response = callback(owner_client, code="the-code", state=state, store="acme.29next.store")
    assert response.status_code == 302
    assert response.url == reverse("store_overview", kwargs={"store": "acme"})

    token_request = responses.calls[0].request
    form = parse_qs(token_request.body)
    assert form["grant_type"] == ["authorization_code"]
    assert form["code"] == ["the-code"]
    assert form["client_secret"] == ["storedesk-test-secret-0123456789abcdef"]  # in the body
    assert form["redirect_uri"] == ["http://testserver/oauth/callback/"]
    assert "Authorization" not in token_request.headers

    store = Store.objects.get(subdomain="acme")
    assert store.status == Store.Status.CONNECTED
    assert (store.name, store.currency, store.timezone) == ("Acme Outdoor", "USD", "America/New_York")
    assert store.access_token() == "acme-access-0001"
    assert store.refresh_token() == "acme-refresh-0001"
    assert "acme-access-0001" not in store.access_token_encrypted
    assert store.scope_set == set(ALL_SCOPES.split())
    assert Membership.objects.get(store=store, operator=operator).role == Role.OWNER

    webhook = json.loads(responses.calls[2].request.body)
    assert webhook["target"] == f"http://testserver/webhooks/{store.pk}/"
    assert webhook["events"] == WEBHOOK_EVENTS
    assert webhook["secret_key"] == store.webhook_secret()
    assert len(store.webhook_secret()) >= 40
    assert AuditEntry.objects.filter(store=store, action="store.connected").count() == 1


@responses.activate
def test_the_same_callback_twice_connects_once(owner_client):
    fake_store()
    state = start(owner_client)
    assert callback(owner_client, code="c", state=state, store="acme.29next.store").status_code == 302
    calls = len(responses.calls)
    replay = callback(owner_client, code="c", state=state, store="acme.29next.store")
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert len(responses.calls) == calls  # no second exchange, no second webhook


def test_a_state_used_by_a_parallel_request_is_refused(client, operator):
    """Two callbacks at once read the same session; the state is also claimed in Redis,
    so only the first goes on."""
    client.force_login(operator)
    state = start(client)
    pending_before = client.session["storeapi_oauth_states"]
    with responses.RequestsMock() as mocked:
        mocked.post(f"{ORIGIN}/oauth2/token/", body=requests.ConnectionError("down"))
        first = callback(client, code="c", state=state, store="acme.29next.store")
        assert first.status_code == 502
    # The parallel request loaded the session before the first one saved it.
    session = client.session
    session["storeapi_oauth_states"] = pending_before
    session.save()
    with responses.RequestsMock() as mocked:
        second = callback(client, code="c", state=state, store="acme.29next.store")
        assert len(mocked.calls) == 0
    assert second.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"code": "c", "store": "acme.29next.store"}, id="missing-state"),
        pytest.param({"code": "c", "store": "acme.29next.store", "state": "forged"}, id="foreign-state"),
        pytest.param({"code": "c", "store": "bergmann.29next.store", "state": "OK"}, id="mix-up"),
        pytest.param({"code": "c", "store": "evil.com", "state": "OK"}, id="evil-host"),
        pytest.param({"code": "c", "store": "acme.29next.store.evil.com", "state": "OK"}, id="suffix-trick"),
        pytest.param({"code": "c", "store": "acme.29next.store@evil.com", "state": "OK"}, id="userinfo-trick"),
        pytest.param({"code": "c", "store": "ACME.29next.store", "state": "OK"}, id="uppercase"),
        pytest.param({"code": "c", "store": "localhost", "state": "OK"}, id="localhost"),
        pytest.param({"code": "c", "store": "acme.29next.store\r\nX: y", "state": "OK"}, id="crlf"),
        pytest.param({"code": "c", "store": "xn--acme-9ua.29next.store", "state": "OK"}, id="idn"),
        pytest.param({"code": "c", "state": "OK"}, id="missing-store"),
        pytest.param({"store": "acme.29next.store", "state": "OK"}, id="missing-code"),
        pytest.param({"error": "access_denied", "store": "acme.29next.store", "state": "OK"}, id="denied"),
    ],
)
def test_bad_callbacks_are_refused_before_any_request(owner_client, params):
    state = start(owner_client)
    params = {k: (state if v == "OK" else v) for k, v in params.items()}
    with responses.RequestsMock() as mocked:
        response = callback(owner_client, **params)
        assert len(mocked.calls) == 0
    assert response.status_code == 400
    assert_nothing_saved()
    assert_nothing_saved("bergmann")


def test_consent_denied_says_so(owner_client):
    state = start(owner_client)
    response = callback(owner_client, error="access_denied", state=state, store="acme.29next.store")
    assert "declined" in response.content.decode()


def test_an_expired_state_is_refused(owner_client, settings):
    settings.STOREAPI_OAUTH_STATE_TTL = -1  # already expired when it is checked
    state = start(owner_client)
    with responses.RequestsMock() as mocked:
        response = callback(owner_client, code="c", state=state, store="acme.29next.store")
        assert len(mocked.calls) == 0
    assert response.status_code == 400


def test_a_state_started_by_another_operator_is_refused(client, operator):
    client.force_login(operator)
    state = start(client)
    session_key = client.cookies["sessionid"].value
    other = OperatorFactory()
    client.force_login(other)  # a new session: the state is gone with the old one
    assert client.cookies["sessionid"].value != session_key
    response = callback(client, code="c", state=state, store="acme.29next.store")
    assert response.status_code == 400
    assert 'data-error-code="bad_state"' in response.content.decode()
    # In the same session, the state still belongs to the operator who started it.
    session = {}
    state = state_of(connect_start(session=session, operator=operator, subdomain="acme"))
    with responses.RequestsMock() as mocked, pytest.raises(ConnectError) as excinfo:
        connect_finish(
            session=session, operator=other, params={"state": state, "code": "c", "store": "acme.29next.store"}
        )
    assert len(mocked.calls) == 0
    assert excinfo.value.code == "other_operator" and excinfo.value.status == 400
    assert_nothing_saved()


def test_the_callback_needs_a_signed_in_operator(client):
    response = callback(client, code="c", state="s", store="acme.29next.store")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_connect_finish_refuses_a_state_bound_to_another_store(operator):
    session = {}
    state = state_of(connect_start(session=session, operator=operator, subdomain="acme"))
    state_entry = next(iter(session["storeapi_oauth_states"].values()))
    assert state_entry["store"] == "acme"
    with responses.RequestsMock() as mocked, pytest.raises(ConnectError) as excinfo:
        connect_finish(
            session=session, operator=operator, params={"state": state, "code": "c", "store": "bergmann.29next.store"}
        )
    assert len(mocked.calls) == 0
    assert excinfo.value.code == "store_mismatch"
    assert_nothing_saved()
    assert_nothing_saved("bergmann")


# --- the token endpoint misbehaving ---------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "status", "text"),
    [
        pytest.param({"token_status": 503, "token_body": "<html>down</html>"}, 502, "did not answer", id="5xx"),
        pytest.param({"token_status": 200, "token_body": "<html>login</html>"}, 502, "did not understand", id="html"),
        pytest.param({"token_json": {"token_type": "Bearer"}}, 502, "did not understand", id="empty-json"),
        pytest.param(
            {"token_status": 400, "token_json": {"error": "invalid_grant"}}, 400, "already used", id="code-used"
        ),
        pytest.param(
            {"token_status": 401, "token_json": {"error": "invalid_client"}}, 400, "invalid_client", id="bad-client"
        ),
        pytest.param({"scope": "store:read orders:read"}, 400, "orders:write", id="missing-scopes"),
    ],
)
@responses.activate
def test_token_endpoint_failures_leave_nothing_behind(owner_client, setup, status, text):
    fake_store(**setup)
    state = start(owner_client)
    response = callback(owner_client, code="c", state=state, store="acme.29next.store")
    assert response.status_code == status
    assert text in response.content.decode()
    assert_nothing_saved()
    assert not any("webhooks" in call.request.url for call in responses.calls)


@responses.activate
def test_missing_scopes_are_named(owner_client):
    fake_store(scope="store:read orders:read users:read tickets:read")
    state = start(owner_client)
    text = callback(owner_client, code="c", state=state, store="acme.29next.store").content.decode()
    for scope in ("orders:write", "users:write", "tickets:write", "exports:read", "webhooks:write"):
        assert scope in text
    assert "store:read," not in text


@pytest.mark.parametrize("error", [requests.ConnectTimeout("x"), requests.ReadTimeout("x"), requests.ConnectionError()])
def test_a_token_endpoint_that_hangs_or_is_down(owner_client, error):
    state = start(owner_client)
    with responses.RequestsMock() as mocked:
        mocked.post(f"{ORIGIN}/oauth2/token/", body=error)
        response = callback(owner_client, code="c", state=state, store="acme.29next.store")
    assert response.status_code == 502
    assert_nothing_saved()


@pytest.mark.parametrize("expires_in", [10**40, "1e400", 1e300, -5, "soon", None])
@responses.activate
def test_absurd_expires_in_values_parse_safely(owner_client, expires_in):
    token = {"access_token": "a", "refresh_token": "r", "token_type": "Bearer", "scope": ALL_SCOPES}
    body = json.dumps(token)[:-1] + f', "expires_in": {json.dumps(expires_in) if expires_in != "1e400" else "1e400"}}}'
    fake_store(token_status=200, token_body=body)
    state = start(owner_client)
    response = callback(owner_client, code="c", state=state, store="acme.29next.store")
    assert response.status_code == 302
    assert Store.objects.get(subdomain="acme").is_connected


@responses.activate
def test_a_store_that_refuses_webhooks_rolls_everything_back(owner_client):
    responses.post(
        f"{ORIGIN}/oauth2/token/",
        json={"access_token": "a", "token_type": "Bearer", "scope": ALL_SCOPES, "expires_in": 3600},
    )
    responses.get(f"{ORIGIN}/api/admin/store/", json={"name": "Acme", "timezone": "UTC"})
    responses.post(f"{ORIGIN}/api/admin/webhooks/", status=403, json={"detail": "You do not have permission."})
    state = start(owner_client)
    response = callback(owner_client, code="c", state=state, store="acme.29next.store")
    assert response.status_code == 400
    assert "webhooks:write" in response.content.decode()
    assert_nothing_saved()


# --- pasted tokens -------------------------------------------------------------------------


@responses.activate
def test_a_pasted_token_is_checked_with_the_store_before_it_is_saved(owner_client, operator):
    fake_store()
    response = owner_client.post(
        reverse("store_connect"), {"action": "token", "token-store": "acme", "token-token": "  pasted-token-0001 "}
    )
    assert response.status_code == 302
    assert responses.calls[0].request.headers["Authorization"] == "Bearer pasted-token-0001"
    store = Store.objects.get(subdomain="acme")
    assert store.access_token() == "pasted-token-0001"
    assert store.refresh_token() == ""
    assert Membership.objects.get(store=store, operator=operator).role == Role.OWNER
    assert AuditEntry.objects.get(store=store, action="store.connected").details["method"] == "token"


@responses.activate
def test_a_bad_pasted_token_is_refused_with_a_clear_message(owner_client):
    responses.get(f"{ORIGIN}/api/admin/store/", status=401, json={"detail": "Invalid token."})
    response = owner_client.post(
        reverse("store_connect"), {"action": "token", "token-store": "acme", "token-token": "wrong-token"}
    )
    assert response.status_code == 400
    assert "did not accept this access token" in response.content.decode()
    assert "wrong-token" not in response.content.decode()
    assert_nothing_saved()


@pytest.mark.parametrize("token", ["", "has spaces inside", "<script>", "x" * 5000])
def test_pasted_tokens_that_are_not_tokens(owner_client, token):
    with responses.RequestsMock() as mocked:
        response = owner_client.post(
            reverse("store_connect"), {"action": "token", "token-store": "acme", "token-token": token}
        )
        assert len(mocked.calls) == 0
    assert response.status_code == 400
    assert_nothing_saved()


# --- disconnecting ----------------------------------------------------------------------------


@pytest.fixture
def connected(operator):
    store = StoreFactory(subdomain="acme")
    store.set_tokens(access_token="acme-access-0001", refresh_token="acme-refresh-0001")
    store.set_webhook_secret("whsec")
    store.scopes = ALL_SCOPES
    store.save()
    MembershipFactory(store=store, operator=operator, role=Role.OWNER)
    return store


def test_the_connection_page_shows_status_and_scopes(owner_client, connected):
    page = owner_client.get(reverse("store_connection", kwargs={"store": "acme"}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "webhooks:write" in text and "Disconnect the store" in text
    assert "acme-access-0001" not in text
    overview = owner_client.get(reverse("store_overview", kwargs={"store": "acme"})).content.decode()
    assert reverse("store_connection", kwargs={"store": "acme"}) in overview


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.MANAGER])
def test_only_owners_see_or_use_the_connection_page(client, connected, role):
    member = MembershipFactory(store=connected, role=role).operator
    client.force_login(member)
    assert client.get(reverse("store_connection", kwargs={"store": "acme"})).status_code == 403
    assert client.get(reverse("store_reconnect", kwargs={"store": "acme"})).status_code == 403
    response = client.post(reverse("store_disconnect", kwargs={"store": "acme"}), {"confirm": "on"})
    assert response.status_code == 403
    connected.refresh_from_db()
    assert connected.is_connected
    overview = client.get(reverse("store_overview", kwargs={"store": "acme"})).content.decode()
    assert reverse("store_connection", kwargs={"store": "acme"}) not in overview


def test_the_reconnect_link_leads_owners_to_the_connection_page(owner_client, connected):
    response = owner_client.get(reverse("store_reconnect", kwargs={"store": "acme"}))
    assert response.url == reverse("store_connection", kwargs={"store": "acme"}) + "#reconnect"


def test_non_members_get_404(client, connected):
    client.force_login(OperatorFactory())
    assert client.get(reverse("store_connection", kwargs={"store": "acme"})).status_code == 404
    assert client.get(reverse("store_reconnect", kwargs={"store": "acme"})).status_code == 404
    assert client.post(reverse("store_disconnect", kwargs={"store": "acme"}), {"confirm": "on"}).status_code == 404


def test_disconnect_needs_confirmation_and_csrf(operator, connected):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(operator)
    url = reverse("store_disconnect", kwargs={"store": "acme"})
    assert csrf_client.post(url, {"confirm": "on"}).status_code == 403
    client = Client()
    client.force_login(operator)
    assert client.post(url, {}).status_code == 400
    assert client.get(url).status_code == 405
    connected.refresh_from_db()
    assert connected.is_connected


@responses.activate
def test_disconnect_removes_our_webhooks_and_wipes_tokens(owner_client, connected):
    target = f"http://testserver/webhooks/{connected.pk}/"
    responses.get(
        f"{ORIGIN}/api/admin/webhooks/",
        json={
            "next": None,
            "previous": None,
            "results": [{"id": 1, "target": target}, {"id": 2, "target": "https://other.example/hook"}],
        },
    )
    responses.delete(f"{ORIGIN}/api/admin/webhooks/1/", status=204)
    response = owner_client.post(reverse("store_disconnect", kwargs={"store": "acme"}), {"confirm": "on"})
    assert response.status_code == 302
    assert [c.request.method for c in responses.calls] == ["GET", "DELETE"]
    connected.refresh_from_db()
    assert connected.status == Store.Status.DISCONNECTED
    assert connected.access_token() == "" and connected.refresh_token() == "" and connected.webhook_secret() == ""
    assert Membership.objects.filter(store=connected).exists()  # an owner can reconnect
    assert AuditEntry.objects.filter(store=connected, action="store.disconnected").exists()


def test_disconnect_works_when_the_store_is_unreachable(owner_client, connected, settings):
    settings.STOREAPI_STORE_URL = "http://127.0.0.1:9/{store}"  # nothing listens there
    response = owner_client.post(reverse("store_disconnect", kwargs={"store": "acme"}), {"confirm": "on"})
    assert response.status_code == 302
    connected.refresh_from_db()
    assert connected.status == Store.Status.DISCONNECTED


@responses.activate
def test_reconnect_by_the_owner_replaces_tokens_and_the_webhook_secret(owner_client, connected, operator):
    old_secret = connected.webhook_secret()
    fake_store()
    responses.replace(
        responses.GET,
        f"{ORIGIN}/api/admin/webhooks/",
        json={
            "next": None,
            "previous": None,
            "results": [
                {"id": 5, "target": f"http://testserver/webhooks/{connected.pk}/"},
                {"id": 77, "target": f"http://testserver/webhooks/{connected.pk}/"},
            ],
        },
    )
    responses.delete(f"{ORIGIN}/api/admin/webhooks/5/", status=204)
    state = start(owner_client)
    assert callback(owner_client, code="c", state=state, store="acme.29next.store").status_code == 302
    connected.refresh_from_db()
    assert connected.webhook_secret() != old_secret
    deleted = [c.request.url for c in responses.calls if c.request.method == "DELETE"]
    assert deleted == [f"{ORIGIN}/api/admin/webhooks/5/"]  # the old one; the new one (77) stays
    assert Membership.objects.filter(store=connected).count() == 1


def test_secrets_never_reach_logs(owner_client, caplog):
    caplog.set_level("DEBUG")
    with responses.RequestsMock() as mocked:
        fake_store_in = mocked
        fake_store_in.post(
            f"{ORIGIN}/oauth2/token/",
            json={"access_token": "tok-SECRET-1", "refresh_token": "ref-SECRET-2", "scope": ALL_SCOPES},
        )
        fake_store_in.get(f"{ORIGIN}/api/admin/store/", json={"name": "Acme", "timezone": "UTC"})
        fake_store_in.post(f"{ORIGIN}/api/admin/webhooks/", status=500)
        state = start(owner_client)
        callback(owner_client, code="code-SECRET-3", state=state, store="acme.29next.store")
    text = caplog.text
    assert not re.search(r"SECRET-\d|storedesk-test-secret", text)
    assert state not in text


# --- the App URL without a token: an install started from the store ------------------------


def test_an_install_from_the_store_signs_in_first_then_continues(client, operator):
    from tests.factories import PASSWORD

    response = client.get(reverse("oauth_app"), {"store": "acme.29next.store"})
    assert response.status_code == 302
    login_url = response.url
    assert login_url.startswith(reverse("account_login"))
    signed_in = client.post(login_url, {"login": operator.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.url == "/oauth/app/?store=acme.29next.store"
    onward = client.get(signed_in.url)
    assert onward.status_code == 302
    assert onward.url.startswith(f"{ORIGIN}/oauth2/authorize/")
    assert "state=" in onward.url


@pytest.mark.parametrize("store", ["evil.com", "acme.29next.store.evil.com", "", "acme"])
def test_an_install_for_a_forged_store_is_refused(owner_client, store):
    with responses.RequestsMock() as mocked:
        response = owner_client.get(reverse("oauth_app"), {"store": store})
        assert len(mocked.calls) == 0
    assert response.status_code == 400
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "token_setup",
    [
        pytest.param({"token_status": 500, "token_body": "<html>oops</html>"}, id="5xx"),
        pytest.param({"token_status": 200, "token_json": {"token_type": "Bearer"}}, id="empty"),
        pytest.param({"token_status": 400, "token_json": {"error": "invalid_grant"}}, id="4xx"),
    ],
)
@responses.activate
def test_a_failed_reconnect_leaves_the_stored_credentials_untouched(owner_client, connected, token_setup):
    before = (connected.access_token_encrypted, connected.refresh_token_encrypted, connected.webhook_secret_encrypted)
    fake_store(**token_setup)
    state = start(owner_client)
    response = callback(owner_client, code="c", state=state, store="acme.29next.store")
    assert response.status_code in (400, 502)
    connected.refresh_from_db()
    assert (
        connected.access_token_encrypted,
        connected.refresh_token_encrypted,
        connected.webhook_secret_encrypted,
    ) == before
    assert connected.status == Store.Status.CONNECTED
    assert not AuditEntry.objects.filter(store=connected, action="store.connected").exists()


# --- one connect of a store at a time ---------------------------------------------------------


@responses.activate
def test_a_connect_while_another_of_the_same_store_is_under_way_says_so(owner_client, monkeypatch):
    """Connects of one store are serialised by a Redis lock; one that cannot get it in
    time (the other is slow) registers nothing and saves nothing."""
    from storeapi import connect
    from storeapi.redis_client import shared_redis

    monkeypatch.setattr(connect, "CONNECT_WAIT_SECONDS", 0.2)
    fake_store()
    other = shared_redis().lock("storeapi:connect:acme", timeout=60)
    assert other.acquire(blocking=False)  # another process is connecting acme
    try:
        response = owner_client.post(
            reverse("store_connect"), {"action": "token", "token-store": "acme", "token-token": "pasted-token-0001"}
        )
    finally:
        other.release()
    assert response.status_code == 400
    assert "Another connection of this store is under way" in response.content.decode()
    assert [c.request.method for c in responses.calls] == ["GET"]  # store/ only: no webhook
    assert_nothing_saved()
