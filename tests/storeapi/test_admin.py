"""The Django admin (superusers only) keeps the audit log whole."""

import pytest
from django.urls import reverse

from dashboard.audit import audit_record
from dashboard.models import AuditEntry
from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory, sign_in_with_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return sign_in_with_password(client, OperatorFactory(is_superuser=True, is_staff=True))


def test_a_role_changed_in_the_admin_is_audited(admin_client):
    membership = MembershipFactory(role=Role.AGENT)
    response = admin_client.post(
        reverse("admin:storeapi_membership_change", args=[membership.pk]),
        {"operator": membership.operator_id, "store": membership.store_id, "role": Role.MANAGER},
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER
    entry = AuditEntry.objects.get(store=membership.store, action="member.role_changed")
    assert entry.details == {"operator_id": membership.operator_id, "role": Role.MANAGER, "admin": True}


def test_a_membership_deleted_in_the_admin_is_audited(admin_client):
    membership = MembershipFactory(role=Role.AGENT)
    response = admin_client.post(reverse("admin:storeapi_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(store=membership.store, action="member.removed").exists()


def test_a_store_with_an_audit_log_cannot_be_deleted(admin_client):
    store = StoreFactory()
    audit_record(operator=None, store=store, action="store.connected")
    response = admin_client.post(reverse("admin:storeapi_store_delete", args=[store.pk]), {"post": "yes"})
    assert response.status_code == 200  # the admin explains what protects it
    assert "audit entry" in response.content.decode().lower()
    assert Store.objects.filter(pk=store.pk).exists()
    assert AuditEntry.objects.filter(store=store).count() == 1


def test_a_member_added_on_the_store_page_of_the_admin_is_audited(admin_client):
    store = StoreFactory()
    newcomer = OperatorFactory()
    data = {
        "subdomain": store.subdomain,
        "name": store.name,
        "currency": store.currency,
        "timezone": store.timezone,
        "status": store.status,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-operator": newcomer.pk,
        "memberships-0-role": Role.VIEWER,
    }
    response = admin_client.post(reverse("admin:storeapi_store_change", args=[store.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.get(store=store, operator=newcomer).role == Role.VIEWER
    assert AuditEntry.objects.get(store=store, action="member.added").object_id == newcomer.email


def test_roles_changed_and_members_removed_on_the_store_page_are_audited(admin_client):
    store = StoreFactory()
    promoted = MembershipFactory(store=store, role=Role.AGENT)
    leaving = MembershipFactory(store=store, role=Role.MANAGER)
    data = {
        "subdomain": store.subdomain,
        "name": store.name,
        "currency": store.currency,
        "timezone": store.timezone,
        "status": store.status,
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
    }
    for n, (membership, role) in enumerate([(promoted, Role.OWNER), (leaving, Role.MANAGER)]):
        data |= {
            f"memberships-{n}-id": membership.pk,
            f"memberships-{n}-store": store.pk,
            f"memberships-{n}-operator": membership.operator_id,
            f"memberships-{n}-role": role,
        }
    data["memberships-1-DELETE"] = "on"
    response = admin_client.post(reverse("admin:storeapi_store_change", args=[store.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(store.memberships.values_list("operator_id", "role")) == [(promoted.operator_id, Role.OWNER)]
    entries = AuditEntry.objects.filter(store=store).order_by("pk")
    assert [(e.action, e.object_id) for e in entries] == [
        ("member.role_changed", promoted.operator.email),
        ("member.removed", leaving.operator.email),
    ]


def test_members_removed_together_from_the_list_are_each_audited(admin_client):
    store = StoreFactory()
    memberships = [MembershipFactory(store=store), MembershipFactory(store=store)]
    response = admin_client.post(
        reverse("admin:storeapi_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
    )
    assert response.status_code == 302
    assert not store.memberships.exists()
    removed = AuditEntry.objects.filter(store=store, action="member.removed")
    assert sorted(removed.values_list("object_id", flat=True)) == sorted(m.operator.email for m in memberships)
