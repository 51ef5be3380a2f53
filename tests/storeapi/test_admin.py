"""The Django admin (superusers only) keeps the audit log whole."""

import pytest
from django.urls import reverse

from dashboard.audit import audit_record
from dashboard.models import AuditEntry
from storeapi.models import Membership, Store
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(OperatorFactory(is_superuser=True, is_staff=True))
    return client


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
