from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Invitation
from accounts.services import invitation_create
from storeapi.access import store_view
from storeapi.models import Membership
from storeapi.roles import Perm

from ..audit import audit_record
from ..forms import InviteForm


@require_GET
@login_required
def home(request):
    """The operator's stores; an empty state when there are none."""
    memberships = list(Membership.objects.for_operator(request.user))
    return render(request, "dashboard/home.html", {"memberships": memberships})


@require_GET
@store_view()
def store_overview(request, store):
    return render(request, "dashboard/store_overview.html", {"store": store})


@require_http_methods(["GET", "POST"])
@store_view(Perm.MANAGE_MEMBERS)
def store_members(request, store):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation, _ = invitation_create(
            store=store, email=form.cleaned_data["email"], role=form.cleaned_data["role"], invited_by=request.user
        )
        audit_record(
            operator=request.user,
            store=store,
            action="member.invited",
            object_type="invitation",
            object_id=invitation.pk,
            summary=f"Invited {invitation.email} as {invitation.role}",
        )
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("store_members", store=store.subdomain)
    context = {
        "store": store,
        "form": form,
        "members": store.memberships.select_related("operator").order_by("operator__email"),
        "invitations": Invitation.objects.pending().filter(store=store),
    }
    return render(request, "dashboard/store_members.html", context)
