"""A minimal store dashboard: sign in as a store user, approve and open apps, uninstall
them, hand out API Access tokens, watch webhook deliveries.

Signing in is picking one of the store's users from a list (no password: it is a
sandbox). Each store keeps its own signed-in user in the session.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from oauth2_provider.models import Application

from .middleware import url_store
from .models import StaffUser, Store, WebhookAttempt
from .partner_apps import app_url_with, installed_apps, issue_access_token, store_tokens

API_ACCESS_SCOPES = [
    "store:read",
    "orders:read",
    "orders:write",
    "users:read",
    "users:write",
    "tickets:read",
    "tickets:write",
    "exports:read",
    "exports:write",
    "webhooks:read",
    "webhooks:write",
    "catalogue:read",
    "transactions:read",
    "admin:read",
    "admin:write",
]


def _session_key(store: Store) -> str:
    return f"sandbox_staff_{store.subdomain}"


def signed_in_user(request, store: Store):
    user_id = request.session.get(_session_key(store))
    if user_id:
        user = StaffUser.objects.filter(id=user_id, store=store, is_active=True).first()
        if user:
            return user
    return AnonymousUser()


def _require_user(request, store: Store):
    user = signed_in_user(request, store)
    if not user.is_authenticated:
        url = reverse("sandbox:sign-in", kwargs={"store": store.subdomain})
        return None, redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
    return user, None


@require_http_methods(["GET", "POST"])
def sign_in(request, store):
    store = url_store(request)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST":
        user = StaffUser.objects.filter(store=store, id=request.POST.get("user") or 0, is_active=True).first()
        if user is not None:
            request.session.cycle_key()
            request.session[_session_key(store)] = user.id
            return redirect(next_url or reverse("sandbox:home", kwargs={"store": store.subdomain}))
        messages.error(request, "Pick one of the store's users.")
    return render(
        request, "sandbox/sign_in.html", {"store": store, "users": store.staff.filter(is_active=True), "next": next_url}
    )


@require_POST
def sign_out(request, store):
    store = url_store(request)
    request.session.pop(_session_key(store), None)
    return redirect(reverse("sandbox:sign-in", kwargs={"store": store.subdomain}))


@require_GET
def home(request, store):
    store = url_store(request)
    user, response = _require_user(request, store)
    if response:
        return response
    apps = list(installed_apps(store).select_related("sandbox"))
    return render(
        request,
        "sandbox/home.html",
        {
            "store": store,
            "user": user,
            "apps": apps,
            "available_apps": Application.objects.filter(sandbox__isnull=False).exclude(id__in=[a.id for a in apps]),
            "counts": {
                "orders": store.orders.count(),
                "customers": store.customers.count(),
                "tickets": store.tickets.count(),
            },
        },
    )


@require_GET
def install_app(request, store):
    """The private app install link: the app's URL opens with `?store={network domain}`."""
    store = url_store(request)
    _, response = _require_user(request, store)
    if response:
        return response
    app = get_object_or_404(Application, client_id=request.GET.get("client_id", ""), sandbox__isnull=False)
    return redirect(app_url_with(app, store=store.network_domain))


@require_GET
def open_app(request, store, client_id):
    """Open an installed app: its URL with `store` and a 30-second session token."""
    from .session_tokens import open_app_url

    store = url_store(request)
    user, response = _require_user(request, store)
    if response:
        return response
    app = get_object_or_404(Application, client_id=client_id, sandbox__isnull=False)
    url, _ = open_app_url(store=store, user=user, application=app)
    return redirect(url)


@require_POST
def uninstall_app(request, store, client_id):
    from .services import app_uninstall

    store = url_store(request)
    _, response = _require_user(request, store)
    if response:
        return response
    app = get_object_or_404(Application, client_id=client_id)
    revoked = app_uninstall(store=store, application=app)
    messages.success(request, f"{app.name} uninstalled: {revoked} token(s) revoked, app.uninstalled sent.")
    return redirect(reverse("sandbox:home", kwargs={"store": store.subdomain}))


@require_http_methods(["GET", "POST"])
def api_access(request, store):
    """Settings > API Access: tokens for this store only, with chosen scopes."""
    store = url_store(request)
    user, response = _require_user(request, store)
    if response:
        return response
    created = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            scopes = [s for s in request.POST.getlist("scopes") if s in API_ACCESS_SCOPES]
            if scopes:
                created = issue_access_token(store=store, scopes=" ".join(scopes), user=user)
            else:
                messages.error(request, "Choose at least one scope.")
        elif action == "revoke":
            token = store_tokens(store).filter(id=request.POST.get("token") or 0).first()
            if token is not None:
                token.revoke()
                messages.success(request, "Token revoked.")
            return redirect(reverse("sandbox:api-access", kwargs={"store": store.subdomain}))
    tokens = store_tokens(store).filter(application=None).select_related("user").order_by("-id")
    return render(
        request,
        "sandbox/api_access.html",
        {"store": store, "user": user, "tokens": tokens, "scopes": API_ACCESS_SCOPES, "created": created},
    )


@require_GET
def webhook_log(request, store):
    store = url_store(request)
    user, response = _require_user(request, store)
    if response:
        return response
    attempts = (
        WebhookAttempt.objects.filter(delivery__store=store)
        .select_related("delivery", "delivery__webhook")
        .order_by("-id")[:200]
    )
    return render(
        request,
        "sandbox/webhooks.html",
        {"store": store, "user": user, "webhooks": store.webhooks.all(), "attempts": attempts},
    )
