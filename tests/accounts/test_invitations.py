from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from accounts.services import invitation_create
from storeapi.models import Membership
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory, sign_in_with_password

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"


def invite(store, email="new@example.com", role=Role.AGENT):
    _, link = invitation_create(store=store, email=email, role=role, invited_by=None)
    return link.removeprefix("http://testserver")


def test_invitation_mail_has_a_working_link(client, mailoutbox):
    store = StoreFactory(subdomain="acme", name="Acme")
    path = invite(store)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new@example.com"]
    assert path in mailoutbox[0].body
    assert client.get(path).status_code == 200


def test_new_operator_sets_password_and_lands_in_store(client):
    store = StoreFactory(subdomain="acme")
    path = invite(store, role=Role.MANAGER)

    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("store_overview", kwargs={"store": "acme"})
    operator = get_user_model().objects.get(email="new@example.com")
    assert operator.check_password(NEW_PASSWORD)
    assert Membership.objects.get(operator=operator, store=store).role == Role.MANAGER
    assert EmailAddress.objects.get(user=operator).verified
    assert client.get(response.url).status_code == 200  # signed in


def test_password_rules_apply(client):
    path = invite(StoreFactory())
    response = client.post(path, {"password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_invitation_works_once(client):
    path = invite(StoreFactory())
    client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()

    response = client.post(path, {"password1": "another passphrase 99", "password2": "another passphrase 99"})

    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert get_user_model().objects.get(email="new@example.com").check_password(NEW_PASSWORD)


def test_expired_invitation_is_refused(client):
    store = StoreFactory()
    path = invite(store)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(store=store).exists()


def test_unknown_token_is_refused(client):
    response = client.get(reverse("invitation_accept", kwargs={"token": "not-a-real-token"}))
    assert response.status_code == 410


def test_signed_in_as_another_operator_is_refused(client):
    store = StoreFactory()
    path = invite(store, email="new@example.com")
    someone_else = OperatorFactory(email="other@example.com")
    client.force_login(someone_else)

    response = client.post(path)

    assert response.status_code == 403
    assert "new@example.com" in response.content.decode()
    assert not Membership.objects.filter(store=store).exists()
    assert Invitation.objects.get().accepted_at is None


def test_existing_operator_signs_in_then_joins(client):
    store = StoreFactory(subdomain="acme")
    existing = OperatorFactory(email="known@example.com")
    MembershipFactory(operator=existing)  # a member of another store already
    path = invite(store, email="known@example.com", role=Role.VIEWER)

    response = client.get(path)
    assert "Sign in" in response.content.decode()
    assert response.context["login_url"].endswith(f"?next={path}")

    client.force_login(existing)
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(operator=existing, store=store).role == Role.VIEWER


def test_only_the_token_hash_is_stored():
    store = StoreFactory()
    path = invite(store)
    raw_token = path.rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get()
    assert raw_token not in invitation.token_hash
    assert Invitation.find_by_token(raw_token) == invitation


def test_owner_invites_from_members_page(client, mailoutbox):
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.operator)
    url = reverse("store_members", kwargs={"store": owner.store.subdomain})

    response = client.post(url, {"email": "Helper@Example.com", "role": Role.AGENT})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.store) == ("helper@example.com", Role.AGENT, owner.store)
    assert invitation.invited_by == owner.operator
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.MANAGER])
def test_only_owners_invite(client, role):
    member = MembershipFactory(role=role)
    client.force_login(member.operator)
    url = reverse("store_members", kwargs={"store": member.store.subdomain})
    response = client.post(url, {"email": "x@example.com", "role": Role.OWNER})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_superuser_invites_the_first_owner_from_the_admin(client, mailoutbox):
    from dashboard.models import AuditEntry

    store = StoreFactory(subdomain="acme")
    admin_user = OperatorFactory(is_superuser=True, is_staff=True)
    sign_in_with_password(client, admin_user)
    add_url = reverse("admin:accounts_invitation_add")
    assert client.get(add_url).status_code == 200
    response = client.post(add_url, {"store": store.pk, "email": "Owner@Example.com", "role": Role.OWNER})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == ("owner@example.com", Role.OWNER, admin_user)
    assert mailoutbox[0].to == ["owner@example.com"]
    assert AuditEntry.objects.filter(store=store, action="member.invited", operator=admin_user).exists()
    change = client.get(reverse("admin:accounts_invitation_change", args=[invitation.pk]))
    assert change.status_code == 200 and 'name="email"' not in change.content.decode()  # sent: read-only
    # The link in the mail works: the new owner lands in the store.
    path = mailoutbox[0].body.split("http://testserver", 1)[1].split()[0]
    client.logout()
    client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert Membership.objects.get(store=store, operator__email="owner@example.com").role == Role.OWNER


def test_staff_who_are_not_superusers_cannot_invite_from_the_admin(client):
    store = StoreFactory(subdomain="acme")
    client.force_login(OperatorFactory(is_staff=True))
    response = client.post(
        reverse("admin:accounts_invitation_add"), {"store": store.pk, "email": "x@example.com", "role": Role.OWNER}
    )
    assert response.status_code in (302, 403)
    assert not Invitation.objects.exists()


def test_invite_operator_command_prints_a_working_link(client, capsys):
    from django.core.management import CommandError, call_command

    store = StoreFactory(subdomain="acme")
    call_command("invite_operator", "--store", "acme", "--email", "cli@example.com", "--role", "manager")
    link = capsys.readouterr().out.strip()
    assert Invitation.objects.get(email="cli@example.com", store=store).role == Role.MANAGER
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
    with pytest.raises(CommandError, match="No store 'nope'"):
        call_command("invite_operator", "--store", "nope", "--email", "cli@example.com")
