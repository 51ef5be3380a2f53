"""The members page: invite, change roles, remove, revoke; a store keeps an owner."""

import pytest
from django.urls import reverse

from accounts.models import Invitation
from dashboard.models import AuditEntry
from storeapi.models import Membership
from storeapi.roles import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "store-members"}


@pytest.fixture
def owner(client):
    owner = MembershipFactory(role=Role.OWNER, store__subdomain="acme")
    client.force_login(owner.operator)
    return owner


def url(name, **kwargs):
    return reverse(name, kwargs={"store": "acme", **kwargs})


def test_the_page_lists_members_and_their_roles(client, owner):
    agent = MembershipFactory(store=owner.store, role=Role.AGENT)
    page = client.get(url("store_members")).content.decode()
    assert agent.operator.email in page and f'id="member-{agent.pk}"' in page


def test_change_a_role_in_place(client, owner):
    agent = MembershipFactory(store=owner.store, role=Role.AGENT)
    response = client.post(url("member_role_change", membership_id=agent.pk), {f"m{agent.pk}-role": Role.MANAGER}, **HX)
    assert response.status_code == 200
    assert "is now manager" in response.content.decode()
    assert "<html" not in response.content.decode()  # the partial only
    agent.refresh_from_db()
    assert agent.role == Role.MANAGER
    entry = AuditEntry.objects.get(action="member.role_changed")
    assert (entry.store, entry.operator, entry.details["from"], entry.details["to"]) == (
        owner.store,
        owner.operator,
        "agent",
        "manager",
    )


def test_without_htmx_a_role_change_redirects_with_a_message(client, owner):
    agent = MembershipFactory(store=owner.store, role=Role.AGENT)
    response = client.post(
        url("member_role_change", membership_id=agent.pk), {f"m{agent.pk}-role": Role.VIEWER}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("store_members")
    assert "is now viewer" in response.content.decode()


def test_the_last_owner_cannot_be_demoted_or_removed(client, owner):
    response = client.post(url("member_role_change", membership_id=owner.pk), {f"m{owner.pk}-role": Role.AGENT}, **HX)
    assert "at least one owner" in response.content.decode()
    response = client.post(url("member_remove", membership_id=owner.pk), **HX)
    assert "at least one owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert not AuditEntry.objects.exists()


def test_with_a_second_owner_an_owner_can_step_down(client, owner):
    MembershipFactory(store=owner.store, role=Role.OWNER)
    client.post(url("member_role_change", membership_id=owner.pk), {f"m{owner.pk}-role": Role.MANAGER})
    owner.refresh_from_db()
    assert owner.role == Role.MANAGER


def test_remove_asks_first_then_removes(client, owner):
    agent = MembershipFactory(store=owner.store, role=Role.AGENT)
    confirm = client.get(url("member_remove", membership_id=agent.pk), HTTP_HX_REQUEST="true")
    assert f"Remove {agent.operator.email}?" in confirm.content.decode()
    assert Membership.objects.filter(pk=agent.pk).exists()
    client.post(url("member_remove", membership_id=agent.pk), **HX)
    assert not Membership.objects.filter(pk=agent.pk).exists()
    entry = AuditEntry.objects.get(action="member.removed")
    assert entry.object_id == agent.operator.email


def test_a_removed_member_loses_the_store(client, owner):
    agent = MembershipFactory(store=owner.store, role=Role.AGENT)
    client.post(url("member_remove", membership_id=agent.pk))
    client.force_login(agent.operator)
    assert client.get(url("store_overview")).status_code == 404


def test_invite_and_revoke(client, owner):
    client.post(url("store_members"), {"email": "new@example.com", "role": Role.AGENT})
    invitation = Invitation.objects.get(email="new@example.com")
    client.post(url("invitation_revoke", invitation_id=invitation.pk), **HX)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "member.invited",
        "member.invitation_revoked",
    ]


def test_memberships_of_another_store_are_404(client, owner):
    other = MembershipFactory(role=Role.AGENT)  # another store
    assert (
        client.post(url("member_role_change", membership_id=other.pk), {f"m{other.pk}-role": "owner"}).status_code
        == 404
    )
    assert client.post(url("member_remove", membership_id=other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.role == Role.AGENT


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.MANAGER])
def test_only_owners_manage_members(client, role):
    member = MembershipFactory(role=role, store__subdomain="acme")
    victim = MembershipFactory(store=member.store, role=Role.AGENT)
    client.force_login(member.operator)
    assert client.get(url("store_members")).status_code == 403
    assert (
        client.post(url("member_role_change", membership_id=victim.pk), {f"m{victim.pk}-role": "owner"}).status_code
        == 403
    )
    assert client.post(url("member_remove", membership_id=victim.pk)).status_code == 403
    victim.refresh_from_db()
    assert victim.role == Role.AGENT
