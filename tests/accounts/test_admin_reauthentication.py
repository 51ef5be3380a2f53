"""The Django admin needs the password given in this session (issue 11, §10).

A session-token link from a store's dashboard signs a superuser in without a password;
the admin then asked nothing. Now it sends them to allauth's reauthentication page, and
after the password to the admin page they asked for. After a password sign-in the admin
works as before.
"""

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from storeapi.roles import Role
from tests.factories import PASSWORD, MembershipFactory, OperatorFactory, StoreFactory, sign_in_with_password

pytestmark = pytest.mark.django_db

ADMIN_PAGE = "/admin/storeapi/store/"


def session_token(email: str, store: str = "acme") -> str:
    now = int(time.time())
    claims = {
        "iss": f"{store}.29next.store",
        "store": f"{store}.29next.store",
        "user_email": email,
        "aud": settings.STOREAPI_CLIENT_ID,
        "iat": now,
        "exp": now + 30,
        "jti": uuid.uuid4().hex,  # two tokens made in one second differ, as the store's do
    }
    return jwt.encode(claims, settings.STOREAPI_CLIENT_SECRET, algorithm="HS256")


@pytest.fixture
def root():
    """A superuser who is also a member of a store, reachable by a session token."""
    root = OperatorFactory(email="root@example.com", is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=root, email=root.email, verified=True, primary=True)
    MembershipFactory(operator=root, store=StoreFactory(subdomain="acme"), role=Role.OWNER)
    return root


def open_from_store(client, operator):
    response = client.get("/oauth/app/", {"store": "acme.29next.store", "token": session_token(operator.email)})
    assert response.status_code == 302 and response.url == reverse("store_overview", kwargs={"store": "acme"})
    assert client.session["_auth_user_id"] == str(operator.pk)


def asks_for_the_password(response, page: str) -> bool:
    """Sent to allauth's reauthentication, which comes back to `page`."""
    if response.status_code != 302:
        return False
    url = urlsplit(response.url)
    return url.path == reverse("account_reauthenticate") and parse_qs(url.query).get("next") == [page]


def test_after_a_password_sign_in_the_admin_opens(client, root):
    sign_in_with_password(client, root)
    assert client.get("/admin/").status_code == 200
    assert client.get(ADMIN_PAGE).status_code == 200


def test_after_a_session_token_sign_in_the_admin_asks_for_the_password(client, root):
    open_from_store(client, root)
    for page in ("/admin/", ADMIN_PAGE, f"{ADMIN_PAGE}add/"):
        response = client.get(page)
        assert asks_for_the_password(response, page), (page, response.status_code, response.get("Location"))
    # A POST is refused the same way, and changes nothing.
    response = client.post(f"{ADMIN_PAGE}add/", {"subdomain": "evil", "name": "Evil"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate"))


def test_the_password_given_again_opens_the_page_asked_for(client, root):
    open_from_store(client, root)
    response = client.get(ADMIN_PAGE)
    reauthenticate = response.url
    wrong = client.post(reauthenticate, {"password": "not the password"})
    assert wrong.status_code == 200  # the form again, with its error
    assert asks_for_the_password(client.get(ADMIN_PAGE), ADMIN_PAGE)
    assert "sign-in code" not in wrong.content.decode()  # the password, not a code by e-mail
    right = client.post(reauthenticate, {"password": PASSWORD})
    assert right.status_code == 302 and right.url == ADMIN_PAGE
    assert client.get(ADMIN_PAGE).status_code == 200


def test_a_session_without_any_record_of_a_password_asks_too(client, root):
    """Whatever the path that signed them in: only what allauth recorded counts."""
    client.force_login(root)
    assert asks_for_the_password(client.get("/admin/"), "/admin/")


def test_switching_to_a_superuser_by_a_link_does_not_carry_the_first_password_over(client, root):
    other = OperatorFactory(is_staff=True, is_superuser=True)
    sign_in_with_password(client, other)
    assert client.get("/admin/").status_code == 200
    response = client.get("/oauth/app/", {"store": "acme.29next.store", "token": session_token(root.email)})
    assert response.url == reverse("session_token_switch")  # "Switch accounts?"
    client.post(reverse("session_token_switch"), {"action": "switch"})
    assert client.session["_auth_user_id"] == str(root.pk)
    assert asks_for_the_password(client.get("/admin/"), "/admin/")


def test_operators_who_are_not_superusers_are_not_asked_but_refused_as_before(client):
    staff = OperatorFactory(is_staff=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    assert not (response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate")))
