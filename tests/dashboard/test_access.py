"""Every store URL of the dashboard, generated from the URL patterns, so a new view is
covered the day it is added:

- a store the operator is not a member of is 404, for pages and htmx partials, GET and
  POST, with the other store's object ids;
- a role without the view's permission gets 403 (an agent trying a manager's action,
  a manager trying an owner's page, a viewer trying any change);
- a POST without the CSRF token is refused, htmx or not.

These need no sandbox: the access check answers before any store is asked.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from storeapi.roles import ROLE_PERMISSIONS, Perm, Role
from tests.factories import MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db

SAMPLE_KWARGS = {
    "number": "1042",
    "customer_id": 7,
    "ticket_id": 9,
    "membership_id": 1,
    "invitation_id": 1,
    "product_id": 5,
    "variant_id": 6,
    "macro_id": 3,
}


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name and "<slug:store>" in prefix + str(entry.pattern):
            yield entry


STORE_URLS = sorted({p.name: p for p in _patterns()}.values(), key=lambda p: p.name)


def _url(pattern: URLPattern, store: str) -> str:
    names = pattern.pattern.regex.groupindex
    return reverse(pattern.name, kwargs={"store": store, **{k: v for k, v in SAMPLE_KWARGS.items() if k in names}})


def test_the_generated_list_covers_the_store_pages():
    names = {p.name for p in STORE_URLS}
    assert {"store_overview", "order_list", "order_detail", "order_cancel", "ticket_reply", "audit_log"} <= names
    # Every store view declares its permission through storeapi.access.store_view.
    assert all(hasattr(p.callback, "store_permission") for p in STORE_URLS)


@pytest.mark.parametrize("pattern", STORE_URLS, ids=lambda p: p.name)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_another_stores_urls_are_404(client, pattern, htmx):
    mine = MembershipFactory(role=Role.OWNER, store__subdomain="mine")
    StoreFactory(subdomain="theirs")
    client.force_login(mine.operator)
    url = _url(pattern, "theirs")
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "order-results"} if htmx else {}
    assert client.get(url, {"panel": "tickets"}, **headers).status_code in (404, 405)
    assert client.post(url, {"message": "x", "tag": "x", "body": "x"}, **headers).status_code in (404, 405)


def _roles_without(perm: Perm) -> list[str]:
    return [role for role in Role.values if perm not in ROLE_PERMISSIONS[role]]


CASES = [(pattern, role) for pattern in STORE_URLS for role in _roles_without(pattern.callback.store_permission)]


@pytest.mark.parametrize(("pattern", "role"), CASES, ids=[f"{p.name}-{r}" for p, r in CASES])
def test_a_role_without_the_permission_gets_403(client, pattern, role):
    member = MembershipFactory(role=role, store__subdomain="acme")
    client.force_login(member.operator)
    url = _url(pattern, "acme")
    response = client.get(url)
    if response.status_code == 405:  # a POST-only action
        response = client.post(url, {"message": "x", "tag": "x", "body": "x", "cancel_reason": "x"})
    assert response.status_code == 403


def test_an_agent_cannot_cancel_or_refund(client):
    agent = MembershipFactory(role=Role.AGENT, store__subdomain="acme")
    client.force_login(agent.operator)
    for name in ("order_cancel", "order_refund"):
        url = reverse(name, kwargs={"store": "acme", "number": "1042"})
        assert (
            client.post(url, {"cancel_reason": "fraud", "step": "confirm"}, HTTP_HX_REQUEST="true").status_code == 403
        )


def test_signed_out_visitors_go_to_sign_in(client):
    StoreFactory(subdomain="acme")
    for pattern in STORE_URLS:
        response = client.get(_url(pattern, "acme"))
        assert response.status_code in (302, 405), pattern.name
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("pattern", STORE_URLS, ids=lambda p: p.name)
def test_posts_need_the_csrf_token(pattern):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    member = MembershipFactory(role=Role.OWNER, store__subdomain="acme")
    client.force_login(member.operator)
    response = client.post(_url(pattern, "acme"), {"message": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code in (403, 405)
    if response.status_code == 403:
        assert b"CSRF" in response.content
