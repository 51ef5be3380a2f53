"""Members of a store: change a role, remove a member, revoke an invitation.

A store always keeps at least one owner. The check locks the store's memberships, so
two owners demoting each other at the same moment cannot both succeed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.services import invitation_create
from storeapi.models import Membership
from storeapi.roles import Role

from ..audit import audit_record


class LastOwnerError(Exception):
    """The change would leave the store without an owner."""

    def __str__(self):
        return "A store needs at least one owner. Make someone else an owner first."


def _lock_store_memberships(store) -> list[Membership]:
    return list(Membership.objects.select_for_update().filter(store=store).order_by("pk"))


def _other_owners(memberships: list[Membership], membership: Membership) -> int:
    return sum(1 for m in memberships if m.role == Role.OWNER and m.pk != membership.pk)


@transaction.atomic
def membership_role_change(*, operator, membership: Membership, role: str) -> Membership:
    locked = _lock_store_memberships(membership.store)
    current = next(m for m in locked if m.pk == membership.pk)
    if current.role == role:
        return current
    if current.role == Role.OWNER and role != Role.OWNER and _other_owners(locked, current) == 0:
        raise LastOwnerError
    old = current.role
    current.role = role
    current.save(update_fields=["role"])
    audit_record(
        operator=operator,
        store=current.store,
        action="member.role_changed",
        object_type="membership",
        object_id=current.operator.email,
        summary=f"Changed {current.operator.email} from {old} to {role}",
        details={"operator_id": current.operator_id, "from": old, "to": role},
    )
    return current


@transaction.atomic
def membership_remove(*, operator, membership: Membership) -> None:
    locked = _lock_store_memberships(membership.store)
    current = next((m for m in locked if m.pk == membership.pk), None)
    if current is None:
        return
    if current.role == Role.OWNER and _other_owners(locked, current) == 0:
        raise LastOwnerError
    email, role = current.operator.email, current.role
    current.delete()
    audit_record(
        operator=operator,
        store=membership.store,
        action="member.removed",
        object_type="membership",
        object_id=email,
        summary=f"Removed {email} ({role})",
        details={"operator_id": membership.operator_id, "role": role},
    )


def invitation_send(*, operator, store, email: str, role: str):
    """Invite an address to a store (the members page, or a superuser in the admin)."""
    invitation, _ = invitation_create(store=store, email=email, role=role, invited_by=operator)
    audit_record(
        operator=operator,
        store=store,
        action="member.invited",
        object_type="invitation",
        object_id=invitation.pk,
        summary=f"Invited {invitation.email} as {invitation.role}",
        details={"email": invitation.email, "role": invitation.role},
    )
    return invitation


def invitation_revoke(*, operator, invitation) -> None:
    if invitation.revoked_at or invitation.accepted_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        operator=operator,
        store=invitation.store,
        action="member.invitation_revoked",
        object_type="invitation",
        object_id=invitation.pk,
        summary=f"Revoked the invitation of {invitation.email}",
        details={"email": invitation.email, "role": invitation.role},
    )
