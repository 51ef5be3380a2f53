"""A store's members (owners only): invite, change roles, remove, revoke invitations."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Invitation
from storeapi.access import store_view
from storeapi.roles import Perm

from ..forms.members import InviteForm, RoleForm
from ..services.members import (
    LastOwnerError,
    invitation_revoke,
    invitation_send,
    membership_remove,
    membership_role_change,
)
from .common import is_partial, render_page

TEMPLATE = "dashboard/members/members.html"


def _context(store, **extra) -> dict:
    members = list(store.memberships.select_related("operator").order_by("operator__email"))
    context = {
        "store": store,
        "form": InviteForm(),
        "members": [(m, RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")) for m in members],
        "invitations": Invitation.objects.pending().filter(store=store),
    }
    context.update(extra)
    return context


def _members_url(store) -> str:
    return reverse("store_members", kwargs={"store": store.subdomain})


def _done(request, store, message: str, *, error: bool = False):
    if is_partial(request):
        return render_page(request, TEMPLATE, _context(store, flash=message, flash_error=error), partial="members")
    (messages.error if error else messages.success)(request, message)
    return redirect(_members_url(store))


@require_http_methods(["GET", "POST"])
@store_view(Perm.MANAGE_MEMBERS)
def store_members(request, store):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation_send(
            operator=request.user, store=store, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
        )
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect(_members_url(store))
    return render_page(request, TEMPLATE, _context(store, form=form))


@require_POST
@store_view(Perm.MANAGE_MEMBERS)
def member_role_change(request, store, membership_id):
    membership = get_object_or_404(store.memberships.select_related("operator", "store"), pk=membership_id)
    form = RoleForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        return _done(request, store, "Choose a role.", error=True)
    try:
        membership_role_change(operator=request.user, membership=membership, role=form.cleaned_data["role"])
    except LastOwnerError as error:
        return _done(request, store, str(error), error=True)
    return _done(request, store, f"{membership.operator.email} is now {form.cleaned_data['role']}.")


@require_http_methods(["GET", "POST"])
@store_view(Perm.MANAGE_MEMBERS)
def member_remove(request, store, membership_id):
    """GET asks for confirmation (a page, or a box in place); POST removes."""
    membership = get_object_or_404(store.memberships.select_related("operator", "store"), pk=membership_id)
    if request.method == "GET":
        return render_page(
            request, "dashboard/members/remove.html", {"store": store, "member": membership}, partial="confirm"
        )
    try:
        membership_remove(operator=request.user, membership=membership)
    except LastOwnerError as error:
        return _done(request, store, str(error), error=True)
    if membership.operator_id == request.user.pk:
        messages.success(request, f"You left {store.display_name}.")
        if is_partial(request):
            return HttpResponseClientRedirect(reverse("home"))
        return redirect("home")
    return _done(request, store, f"{membership.operator.email} was removed from {store.display_name}.")


@require_POST
@store_view(Perm.MANAGE_MEMBERS)
def invitation_revoke_view(request, store, invitation_id):
    invitation = get_object_or_404(Invitation.objects.pending().filter(store=store), pk=invitation_id)
    invitation_revoke(operator=request.user, invitation=invitation)
    return _done(request, store, f"The invitation of {invitation.email} was revoked.")
