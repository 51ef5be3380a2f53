import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, hotp_value, yield_hotp_counters_from_time
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, OperatorFactory

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return f"{hotp_value(secret, counter):06d}"


def enrol(client, operator) -> str:
    """Go through allauth's TOTP activation page and return the secret."""
    client.force_login(operator)
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:  # allauth asks to confirm the password first
        client.post(page.url, {"password": PASSWORD})
        page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302, response.content
    return secret


def test_enrol_totp_then_sign_in_with_a_code(client):
    operator = OperatorFactory(email="ada@example.com")
    secret = enrol(client, operator)
    assert Authenticator.objects.filter(user=operator, type=Authenticator.Type.TOTP).exists()
    client.logout()

    response = client.post(reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302  # not signed in yet

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200  # wrong code: the form again
    assert client.get(reverse("home")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_totp_secret_is_a_real_totp(client):
    operator = OperatorFactory()
    enrol(client, operator)
    totp = TOTP(Authenticator.objects.get(user=operator, type=Authenticator.Type.TOTP))
    assert not totp.validate_code("not-a-code")


@override_settings(STOREDESK_REQUIRE_MFA=True)
def test_required_mfa_sends_operators_to_enrolment_first(client):
    operator = OperatorFactory()
    client.force_login(operator)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")

    enrol(client, operator)
    assert client.get(reverse("home")).status_code == 200


@override_settings(STOREDESK_REQUIRE_MFA=False)
def test_mfa_is_optional_by_default(signed_in):
    assert signed_in.get(reverse("home")).status_code == 200
