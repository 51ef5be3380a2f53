import pytest
from django.urls import reverse

from tests.factories import PASSWORD, OperatorFactory, sign_in_with_password

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(client):
    operator = OperatorFactory(email="ada@example.com")
    response = client.post(reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).context["user"] == operator

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # back to the sign-in page


def test_sign_out_needs_post(signed_in):
    response = signed_in.get(reverse("account_logout"))
    assert response.status_code == 200  # a confirmation page, not a sign-out
    assert signed_in.get(reverse("home")).status_code == 200


def test_email_is_case_insensitive(client):
    OperatorFactory(email="ada@example.com")
    response = client.post(reverse("account_login"), {"login": "ADA@Example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_refused(client):
    OperatorFactory(email="ada@example.com")
    response = client.post(reverse("account_login"), {"login": "ada@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_failed_logins_are_throttled(client):
    OperatorFactory(email="ada@example.com")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": "ada@example.com", "password": "wrong"})
        assert response.status_code == 200
    # Even the right password is refused now: the limit is per address.
    response = client.post(reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert not client.session.get("_auth_user_id")


def test_there_is_no_public_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert "invitation-only" in response.content.decode()
    response = client.post(
        reverse("account_signup"),
        {"email": "eve@example.com", "password1": "a-long-password-1", "password2": "a-long-password-1"},
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="eve@example.com").exists()


def test_pages_need_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_password_reset_sends_mail(client, mailoutbox):
    OperatorFactory(email="ada@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_admin_is_for_superusers_only(client):
    staff = OperatorFactory(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code in (302, 403)
    superuser = OperatorFactory(is_staff=True, is_superuser=True)
    client.logout()
    sign_in_with_password(client, superuser)
    assert client.get("/admin/").status_code == 200


def test_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
