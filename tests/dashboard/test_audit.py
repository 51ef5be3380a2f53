import pytest

from dashboard.audit import audit_record
from dashboard.models import AuditEntry
from storeapi import signals
from tests.factories import OperatorFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_an_entry_records_who_what_where():
    operator, store = OperatorFactory(email="ada@example.com"), StoreFactory()
    entry = audit_record(
        operator=operator, store=store, action="order.note_added", object_type="order", object_id=1042, summary="Hi"
    )
    assert (entry.operator_email, entry.store, entry.object_id) == ("ada@example.com", store, "1042")


def test_entries_cannot_be_changed_or_deleted():
    entry = audit_record(operator=OperatorFactory(), store=StoreFactory(), action="x")
    entry.summary = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(summary="x")
    assert AuditEntry.objects.get().summary == ""


def test_store_signals_are_audited():
    operator, store = OperatorFactory(), StoreFactory()
    signals.store_connected.send(sender=None, store=store, operator=operator, method="oauth")
    signals.store_disconnected.send(sender=None, store=store, operator=None, reason="app_uninstalled")
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "store.connected",
        "store.disconnected",
    ]


def test_invitations_are_audited(client):
    from storeapi.roles import Role
    from tests.factories import MembershipFactory

    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.operator)
    client.post(f"/s/{owner.store.subdomain}/members/", {"email": "x@example.com", "role": Role.AGENT})
    entry = AuditEntry.objects.get()
    assert entry.action == "member.invited" and entry.store == owner.store
