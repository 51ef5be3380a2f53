from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .forms import SetPasswordForm
from .models import Invitation
from .services import (
    InvitationError,
    invitation_accept,
    invitation_check_usable,
    operator_create_from_invitation,
    operator_exists,
)

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request, token: str):
    """One link for every case: new operator, existing operator, wrong account."""
    try:
        invitation = invitation_check_usable(Invitation.find_by_token(token))
    except InvitationError as exc:
        return render(request, "accounts/invitation_invalid.html", {"reason": str(exc)}, status=410)

    store_url = reverse("store_overview", kwargs={"store": invitation.store.subdomain})
    context = {"invitation": invitation}

    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            return render(request, "accounts/invitation_wrong_account.html", context, status=403)
        if request.method == "POST":
            try:
                invitation_accept(invitation=invitation, operator=request.user)
            except InvitationError as exc:
                return render(request, "accounts/invitation_invalid.html", {"reason": str(exc)}, status=410)
            messages.success(request, f"You joined {invitation.store.display_name}.")
            return redirect(store_url)
        return render(request, "accounts/invitation_join.html", context)

    if operator_exists(invitation.email):
        # They have an account: sign in first, then come back to this link.
        context["login_url"] = f"{reverse('account_login')}?next={request.path}"
        return render(request, "accounts/invitation_sign_in.html", context)

    form = SetPasswordForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            operator = operator_create_from_invitation(invitation=invitation, password=form.cleaned_data["password1"])
        except InvitationError as exc:
            return render(request, "accounts/invitation_invalid.html", {"reason": str(exc)}, status=410)
        login(request, operator, backend=LOGIN_BACKEND)
        messages.success(request, f"Welcome to Storedesk. You joined {invitation.store.display_name}.")
        return redirect(store_url)
    context["form"] = form
    return render(request, "accounts/invitation_set_password.html", context)
