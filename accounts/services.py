"""Invitations: how an operator joins a store."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from storeapi.models import Membership, Store

from .models import Invitation


class InvitationError(Exception):
    """The invitation cannot be used; the message says why, for the operator."""


def invitation_create(*, store: Store, email: str, role: str, invited_by) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its link. Returns it and the link."""
    raw_token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        store=store,
        email=email.strip().lower(),
        role=role,
        token_hash=token_hash,
        invited_by=invited_by,
    )
    link = settings.SITE_URL + reverse("invitation_accept", kwargs={"token": raw_token})
    context = {"invitation": invitation, "link": link, "invited_by": invited_by}
    send_mail(
        subject=f"You are invited to {store.display_name} on Storedesk",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return invitation, link


def invitation_check_usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationError("This invitation link is not valid. Ask the store owner for a new one.")
    if invitation.is_used:
        raise InvitationError("This invitation has already been used. Sign in, or ask for a new invitation.")
    if invitation.revoked_at:
        raise InvitationError("This invitation was withdrawn. Ask the store owner for a new one.")
    if invitation.is_expired:
        raise InvitationError("This invitation has expired. Ask the store owner for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, operator) -> Membership:
    """Join the store with the invited role, once. The operator's e-mail must match."""
    # Lock the row so that two clicks at once accept it once.
    invitation = Invitation.objects.select_for_update().select_related("store").get(pk=invitation.pk)
    invitation_check_usable(invitation)
    if operator.email.lower() != invitation.email.lower():
        raise InvitationError(
            f"This invitation was sent to {invitation.email}, but you are signed in as {operator.email}."
        )
    membership, created = Membership.objects.get_or_create(
        operator=operator, store=invitation.store, defaults={"role": invitation.role}
    )
    if not created and membership.role != invitation.role:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = operator
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    # The invitation reached this address, which proves it.
    EmailAddress.objects.update_or_create(
        user=operator, email=operator.email, defaults={"verified": True, "primary": True}
    )
    return membership


@transaction.atomic
def operator_create_from_invitation(*, invitation: Invitation, password: str):
    operator = get_user_model().objects.create_user(email=invitation.email, password=password)
    invitation_accept(invitation=invitation, operator=operator)
    return operator


def operator_exists(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()
