"""Connecting stores (OAuth, pasted token), the store's App URL with session-token
sign-in, the connection page of a store, and the webhook receiver."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .access import store_view
from .connect import (
    ConnectError,
    connect_finish,
    connect_start,
    requested_scopes,
    store_connect_with_token,
    store_disconnect,
)
from .domains import InvalidStoreDomain, network_domain, subdomain_from_network_domain
from .forms import DisconnectForm, OAuthConnectForm, TokenConnectForm
from .models import Store
from .roles import Perm
from .session_tokens import SessionTokenError, session_token_operator, session_token_verify
from .tasks import webhook_process_enqueue
from .webhooks import WebhookRejected, webhook_accept

logger = logging.getLogger(__name__)

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
# A session-token link opened while another operator is signed in: what it proved, kept
# in the session until the person answers "switch accounts?" (or for this long).
SWITCH_SESSION_KEY = "storeapi:session-token-switch"
SWITCH_SECONDS = 300


def _connect_error(request, error: ConnectError, *, store_subdomain: str = ""):
    return render(
        request,
        "storeapi/connect_error.html",
        {"error": error, "store_subdomain": store_subdomain},
        status=error.status,
    )


# --- Connect a store --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("token-token")  # a pasted API token stays out of error reports
@login_required
def store_connect(request):
    """GET: the two ways to connect. POST: `action` is `oauth` (go to the store's consent
    page) or `token` (check and save a pasted API token); anything else is a 400."""
    initial = {"store": request.GET.get("store", "")[:200]}
    oauth_form = OAuthConnectForm(prefix="oauth", initial=initial)
    token_form = TokenConnectForm(prefix="token", initial=initial)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "oauth":
            oauth_form = OAuthConnectForm(request.POST, prefix="oauth")
            if oauth_form.is_valid():
                subdomain = oauth_form.cleaned_data["store"]
                try:
                    url = connect_start(session=request.session, operator=request.user, subdomain=subdomain)
                except ConnectError as exc:
                    oauth_form.add_error(None, exc.message)
                else:
                    return redirect(url)
        elif action == "token":
            token_form = TokenConnectForm(request.POST, prefix="token")
            if token_form.is_valid():
                subdomain = token_form.cleaned_data["store"]
                try:
                    store = store_connect_with_token(
                        subdomain=subdomain, token=token_form.cleaned_data["token"], operator=request.user
                    )
                except ConnectError as exc:
                    token_form.add_error(None, exc.message)
                else:
                    messages.success(request, f"{store.display_name} is connected.")
                    return redirect("store_overview", store=store.subdomain)
        status = 400
    context = {"oauth_form": oauth_form, "token_form": token_form, "scopes": requested_scopes()}
    return render(request, "storeapi/connect.html", context, status=status)


@require_GET
@login_required
@never_cache
def oauth_callback(request):
    """The Redirect URL: the store sends the browser back with a code (or an error)."""
    try:
        store = connect_finish(session=request.session, operator=request.user, params=request.GET)
    except ConnectError as exc:
        logger.info("OAuth callback refused: %s", exc.code)
        return _connect_error(request, exc)
    messages.success(request, f"{store.display_name} is connected.")
    return redirect("store_overview", store=store.subdomain)


# --- The App URL: install from the store, or open the app from the store's dashboard ----------


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The URL may carry a token: it must not leak through the Referer header.
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@never_cache
def oauth_app(request):
    """`?store=...` starts an install; `?store=...&token=<JWT>` signs a store user in."""
    try:
        subdomain = subdomain_from_network_domain(request.GET.get("store", ""))
    except InvalidStoreDomain:
        error = ConnectError("The link does not name a valid store.", code="invalid_store")
        return _no_referrer(_connect_error(request, error))
    if "token" in request.GET:
        return _no_referrer(_session_token_sign_in(request, subdomain, request.GET["token"]))

    if not request.user.is_authenticated:
        # Sign in first, then come back here and continue.
        query = urlencode({"next": f"{request.path}?{urlencode({'store': request.GET['store']})}"})
        return redirect(f"{reverse('account_login')}?{query}")
    try:
        url = connect_start(session=request.session, operator=request.user, subdomain=subdomain)
    except ConnectError as exc:
        return _connect_error(request, exc, store_subdomain=subdomain)
    return redirect(url)


def _session_token_sign_in(request, subdomain: str, token: str) -> HttpResponse:
    def refused(reason: str, status: int = 403):
        return render(request, "storeapi/app_access_refused.html", {"reason": reason}, status=status)

    try:
        claims = session_token_verify(token=token, subdomain=subdomain)
    except SessionTokenError as exc:
        logger.info("Session token for %s refused: %s", subdomain, exc.reason)
        return refused("invalid_token", status=400)
    store = Store.objects.filter(subdomain=subdomain, status=Store.Status.CONNECTED).first()
    if store is None:
        return refused("not_connected")
    operator = session_token_operator(claims=claims, store=store)
    if operator is None:
        logger.info("Session token for %s: no operator with access for that store user.", subdomain)
        return refused("no_access")

    destination = reverse("store_overview", kwargs={"store": store.subdomain})
    if request.user.is_authenticated and request.user.pk == operator.pk:
        return redirect(destination)
    if request.user.is_authenticated:
        # Someone else is signed in in this browser: a link must not silently put another
        # account in their place (issue 11). Ask first; the token is spent, so what it
        # proved waits in this session, briefly, for a confirmation posted with CSRF. The
        # question is asked on a URL without the token (and so without this answer's
        # no-referrer policy, under which the browser would post `Origin: null`).
        request.session[SWITCH_SESSION_KEY] = {
            "email": claims["user_email"],
            "store": store.subdomain,
            "asked": request.user.pk,
            "until": time.time() + SWITCH_SECONDS,
        }
        return redirect("session_token_switch")
    return _sign_in_from_token(request, operator, destination)


def _sign_in_from_token(request, operator, destination: str) -> HttpResponse:
    if settings.STOREDESK_REQUIRE_MFA or is_mfa_enabled(operator):
        # A token is one factor at most: such operators sign in the normal way.
        if request.user.is_authenticated:
            logout(request)
        messages.info(request, "Sign in with your password and your authentication code to open this store.")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': destination})}")
    # No password was given: allauth records no authentication in the session, so the
    # admin asks for the password before it opens (accounts/admin_access.py).
    login(request, operator, backend=LOGIN_BACKEND)
    return redirect(destination)


@require_http_methods(["GET", "POST"])
@never_cache
def session_token_switch(request):
    """ "Switch accounts?" (GET) and its answer (POST): `action=switch` signs in the store
    user the link named, anything else keeps the current session. Only with a question
    asked in this session, of the operator still signed in, in the last SWITCH_SECONDS;
    the store user's operator is checked again each time."""
    pending = request.session.get(SWITCH_SESSION_KEY)
    if request.method == "POST":
        request.session.pop(SWITCH_SESSION_KEY, None)  # answered, whatever the answer
        if request.POST.get("action") != "switch":
            return redirect("home")
    if (
        not isinstance(pending, dict)
        or not request.user.is_authenticated
        or pending.get("asked") != request.user.pk
        or pending.get("until", 0) < time.time()
    ):
        return render(request, "storeapi/app_access_refused.html", {"reason": "invalid_token"}, status=400)
    store = Store.objects.filter(subdomain=pending["store"], status=Store.Status.CONNECTED).first()
    operator = session_token_operator(claims={"user_email": pending["email"]}, store=store) if store else None
    if operator is None:
        return render(request, "storeapi/app_access_refused.html", {"reason": "no_access"}, status=403)
    destination = reverse("store_overview", kwargs={"store": store.subdomain})
    if request.method == "GET":
        context = {"current": request.user, "operator": operator, "target_store": store}
        return render(request, "storeapi/app_switch_confirm.html", context)
    if request.user.pk == operator.pk:
        return redirect(destination)
    return _sign_in_from_token(request, operator, destination)


# --- A store's connection page ----------------------------------------------------------------


def _connection_context(store, *, disconnect_form=None):
    granted = store.scope_set
    # The reconnect forms post to store_connect for this store: its field is hidden.
    oauth_form = OAuthConnectForm(prefix="oauth", initial={"store": store.subdomain})
    token_form = TokenConnectForm(prefix="token", initial={"store": store.subdomain})
    for form in (oauth_form, token_form):
        form.fields["store"].widget = forms.HiddenInput()
    return {
        "store": store,
        "network_domain": network_domain(store.subdomain),
        "requested_scopes": requested_scopes(),
        "granted_scopes": sorted(granted),
        "missing_scopes": [s for s in requested_scopes() if granted and s not in granted],
        "disconnect_form": disconnect_form or DisconnectForm(),
        "oauth_form": oauth_form,
        "token_form": token_form,
    }


@require_GET
@store_view(Perm.MANAGE_CONNECTION)
def store_connection(request, store):
    return render(request, "storeapi/connection.html", _connection_context(store))


@require_GET
@store_view(Perm.MANAGE_CONNECTION)
def store_reconnect(request, store):
    """The dashboard's "Reconnect" buttons land on the connection page's reconnect form."""
    return redirect(reverse("store_connection", kwargs={"store": store.subdomain}) + "#reconnect")


@require_POST
@store_view(Perm.MANAGE_CONNECTION)
def store_disconnect_view(request, store):
    form = DisconnectForm(request.POST)
    if not form.is_valid():
        context = _connection_context(store, disconnect_form=form)
        return render(request, "storeapi/connection.html", context, status=400)
    if store.status == Store.Status.DISCONNECTED:
        messages.info(request, f"{store.display_name} was already disconnected.")
    else:
        store_disconnect(store=store, operator=request.user)
        messages.success(request, f"{store.display_name} is disconnected. Its tokens were deleted.")
    return redirect("store_connection", store=store.subdomain)


# --- Webhooks ----------------------------------------------------------------------------------


def _read_body(request, limit: int) -> bytes | None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
@require_POST
def webhook_receive(request, store_id: int):
    """Answer fast: verify, record, enqueue. Never 410 (it would disable the webhook)."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return JsonResponse({"detail": "Unknown store."}, status=404)
    body = _read_body(request, settings.STOREAPI_WEBHOOK_MAX_BYTES)
    if body is None:
        return JsonResponse({"detail": "Body too large."}, status=413)
    try:
        event, created = webhook_accept(store=store, body=body, signature=request.headers.get("X-29Next-Signature", ""))
    except WebhookRejected as exc:
        logger.warning("Webhook for store %s rejected: %s", store.subdomain, exc.reason)
        return JsonResponse({"detail": exc.reason}, status=exc.status)
    if event.processed_at is None:
        # A new event, or a redelivery of one whose task was lost (sent round again);
        # the task processes each event once however often it runs.
        webhook_process_enqueue(event.pk)
    return JsonResponse({"ok": True, "duplicate": not created})
