"""The audit log: who changed what, in which store, and when.

Every service that changes something through Storedesk calls `audit_record`. Store
connections are recorded from storeapi's signals (storeapi does not import the
dashboard).
"""

from __future__ import annotations

from django.dispatch import receiver

from storeapi import signals

from .models import AuditEntry


def audit_record(
    *,
    operator,
    store,
    action: str,
    object_type: str = "",
    object_id="",
    summary: str = "",
    details: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        operator=operator if operator is not None and operator.is_authenticated else None,
        operator_email=getattr(operator, "email", "") or "",
        store=store,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id not in (None, "") else "",
        summary=summary[:500],
        details=details or {},
    )


@receiver(signals.store_connected)
def _audit_store_connected(sender, *, store, operator, method, **kwargs):
    audit_record(
        operator=operator,
        store=store,
        action="store.connected",
        object_type="store",
        object_id=store.subdomain,
        summary=f"Connected {store.subdomain} ({method})",
        details={"method": method, "scopes": store.scopes},
    )


@receiver(signals.store_disconnected)
def _audit_store_disconnected(sender, *, store, operator, reason, **kwargs):
    audit_record(
        operator=operator,
        store=store,
        action="store.disconnected",
        object_type="store",
        object_id=store.subdomain,
        summary=f"Disconnected {store.subdomain} ({reason})",
        details={"reason": reason},
    )
