"""Connecting stores to Storedesk, and disconnecting them.

Three ways in, one way to finish (`store_activate`):

- OAuth from Storedesk or from the store's App URL: `connect_start` puts a random,
  single-use, short-lived `state` bound to the store in the operator's session and
  answers the store's authorize URL; `connect_finish` checks the callback (state,
  store, code), exchanges the code with requests-oauthlib and checks the granted
  scopes.
- A pasted API token (the store's Settings > API Access): `store_connect_with_token`.

`store_activate` reads `store/` with the new token, registers Storedesk's webhook with
a freshly generated signing secret, and only then saves the encrypted credentials and
makes the operator the owner of a store new to Storedesk. No transaction is open while
the store is asked; two connects of one store are serialised by a Redis lock. Any
failure leaves nothing behind (a webhook already created is removed, a row created for
a new store is deleted, an existing row is left as it was) and raises ConnectError,
whose message says what happened. docs/stores.md tells the whole story.

The `store` parameter of a request is never a host: it is parsed down to a validated
subdomain and every URL is built from STOREAPI_STORE_URL (storeapi.domains).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import secrets
import time
import zoneinfo
from collections.abc import Iterator, Mapping

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables
from oauthlib.oauth2 import InvalidGrantError, MissingTokenError, OAuth2Error
from oauthlib.oauth2.rfc6749.utils import scope_to_list
from redis.exceptions import LockError

from . import signals
from .client import StoreClient
from .domains import InvalidStoreDomain, is_valid_subdomain, subdomain_from_network_domain
from .errors import MissingScope, StoreAPIError, TokenRevoked, UnexpectedResponse
from .models import Membership, Store
from .oauth import TokenEndpointError, authorize_url, expiry_from, oauth_session, token_url
from .redis_client import shared_redis
from .roles import Perm, Role

logger = logging.getLogger(__name__)

# The events Storedesk listens to (the order.*, customer.*, ticket.*).
WEBHOOK_EVENTS = [
    "order.created",
    "order.updated",
    "customer.created",
    "customer.updated",
    "ticket.created",
    "ticket.updated",
    "export.created",
    "app.uninstalled",
]
WEBHOOK_NAME = "Storedesk"

# A connect holds the store's connect lock at most this long (longer than a web request
# may last: gunicorn's timeout), and a second connect of the same store waits at most this
# long for it before saying that one is under way.
CONNECT_LOCK_SECONDS = 90
CONNECT_WAIT_SECONDS = 20

_SESSION_KEY = "storeapi_oauth_states"
_MAX_PENDING_STATES = 5
_MAX_TOKEN_LENGTH = 4096


class ConnectError(Exception):
    """Connecting (or disconnecting) failed; the message is for the operator."""

    def __init__(self, message: str, *, status: int = 400, code: str = "failed"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def requested_scopes() -> list[str]:
    return settings.STOREAPI_SCOPES.split()


def redirect_uri() -> str:
    return settings.SITE_URL + reverse("oauth_callback")


def webhook_target(store: Store) -> str:
    return settings.SITE_URL + reverse("webhook_receive", kwargs={"store_id": store.pk})


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


# --- who may connect a store ------------------------------------------------------------


def connect_check_allowed(*, subdomain: str, operator) -> Store | None:
    """Refuse a store that another team runs in Storedesk, or a member who is not an
    owner. Returns the existing store, if any."""
    store = Store.objects.filter(subdomain=subdomain).first()
    if store is None:
        return None
    memberships = store.memberships.all()
    mine = next((m for m in memberships if m.operator_id == operator.pk), None)
    if mine is None and memberships:
        raise ConnectError(
            f"The store “{subdomain}” is already connected to Storedesk by another team. "
            "Ask one of its owners to invite you.",
            status=409,
            code="taken",
        )
    if mine is not None and not mine.allows(Perm.MANAGE_CONNECTION):
        raise ConnectError(
            f"Only an owner of “{store.display_name}” can connect or reconnect it.", status=403, code="not_owner"
        )
    return store


# --- OAuth: start and finish -------------------------------------------------------------


def _pending_states(session) -> dict:
    now = time.time()
    pending = session.get(_SESSION_KEY) or {}
    return {k: v for k, v in pending.items() if isinstance(v, dict) and v.get("expires", 0) > now}


def connect_start(*, session, operator, subdomain: str) -> str:
    """The store's authorize URL, with a fresh state remembered in the session."""
    if not is_valid_subdomain(subdomain):
        raise ConnectError("That is not a valid store subdomain.", code="invalid_store")
    if not settings.STOREAPI_CLIENT_ID or not settings.STOREAPI_CLIENT_SECRET:
        raise ConnectError(
            "Storedesk has no OAuth app configured (STOREAPI_CLIENT_ID and STOREAPI_CLIENT_SECRET). "
            "Connect the store with an API token instead.",
            status=503,
            code="not_configured",
        )
    connect_check_allowed(subdomain=subdomain, operator=operator)
    state = secrets.token_urlsafe(32)
    pending = _pending_states(session)
    pending[_state_hash(state)] = {
        "store": subdomain,
        "operator": operator.pk,
        "expires": time.time() + settings.STOREAPI_OAUTH_STATE_TTL,
    }
    # Keep the newest few (several tabs may be connecting at once).
    newest = sorted(pending.items(), key=lambda item: item[1]["expires"])[-_MAX_PENDING_STATES:]
    session[_SESSION_KEY] = dict(newest)
    url, _ = oauth_session(redirect_uri=redirect_uri(), scope=requested_scopes()).authorization_url(
        authorize_url(subdomain), state=state
    )
    return url


def _claim_state(session, state: str) -> dict | None:
    """Take the state out of the session: it works once, in one process only."""
    if not state or len(state) > 200:
        return None
    key = _state_hash(state)
    pending = _pending_states(session)
    entry = pending.pop(key, None)
    session[_SESSION_KEY] = pending
    if entry is None:
        return None
    # Two callbacks with the same state at once (a double click) read the same
    # session; only the first to claim it in Redis goes on.
    if not cache.add(f"storeapi:oauth-state-used:{key}", 1, settings.STOREAPI_OAUTH_STATE_TTL + 60):
        return None
    return entry


@sensitive_variables("token")
def connect_finish(*, session, operator, params: Mapping[str, str]) -> Store:
    """Check the callback's parameters, exchange the code, connect the store."""
    entry = _claim_state(session, params.get("state", ""))
    error = params.get("error", "")
    if error == "access_denied":
        raise ConnectError(
            "The connection was declined on the store's consent page. Nothing was saved.", code="access_denied"
        )
    if error:
        raise ConnectError(
            f"The store did not grant access ({error[:60]}). Nothing was saved; try again.", code="oauth_error"
        )
    if entry is None:
        raise ConnectError(
            "This connection link is not valid: it was already used, has expired, or was started in "
            "another browser. Nothing was saved; start again.",
            code="bad_state",
        )
    if entry.get("operator") != operator.pk:
        raise ConnectError("This connection was started by another operator. Start again.", code="other_operator")
    try:
        subdomain = subdomain_from_network_domain(params.get("store", ""))
    except InvalidStoreDomain:
        raise ConnectError("The answer does not name a valid store. Nothing was saved.", code="invalid_store") from None
    if subdomain != entry["store"]:
        raise ConnectError(
            f"The connection was started for “{entry['store']}” but the answer came for “{subdomain}”. "
            "Nothing was saved; start again.",
            code="store_mismatch",
        )
    code = params.get("code", "")
    if not code or len(code) > 1000:
        raise ConnectError("The store's answer has no authorization code. Start again.", code="no_code")
    connect_check_allowed(subdomain=subdomain, operator=operator)

    token = _exchange_code(subdomain=subdomain, code=code)
    granted = scope_to_list(token.get("scope")) if token.get("scope") else requested_scopes()
    missing = [scope for scope in requested_scopes() if scope not in granted]
    if missing:
        raise ConnectError(
            "The store granted fewer permissions than Storedesk needs. Missing: "
            + ", ".join(missing)
            + ". Nothing was saved; connect again and approve every permission.",
            code="missing_scopes",
        )
    return store_activate(
        subdomain=subdomain,
        operator=operator,
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token") or "",
        expires_at=expiry_from(token.get("expires_in")),
        scopes=" ".join(granted),
        method="oauth",
    )


@sensitive_variables()
def _exchange_code(*, subdomain: str, code: str) -> dict:
    session = oauth_session(redirect_uri=redirect_uri())
    try:
        return session.fetch_token(
            token_url(subdomain),
            code=code,
            client_secret=settings.STOREAPI_CLIENT_SECRET,
            include_client_id=True,  # client_id and client_secret in the form body
            timeout=(settings.STOREAPI_CONNECT_TIMEOUT, settings.STOREAPI_READ_TIMEOUT),
        )
    except (requests.ConnectionError, requests.Timeout, TokenEndpointError):
        raise ConnectError(
            "The store's token endpoint did not answer. Nothing was saved; try again in a moment.",
            status=502,
            code="token_endpoint_down",
        ) from None
    except InvalidGrantError:
        raise ConnectError(
            "The store refused the authorization code: it was already used or has expired. "
            "Nothing was saved; start again.",
            code="invalid_grant",
        ) from None
    except MissingTokenError:
        raise ConnectError(
            "The store's token endpoint answered something Storedesk did not understand. Nothing was saved.",
            status=502,
            code="bad_token_response",
        ) from None
    except OAuth2Error as exc:
        raise ConnectError(
            f"The store refused to hand out a token ({exc.error}). Nothing was saved.", code="token_refused"
        ) from None
    except (ValueError, TypeError, OverflowError, Warning, requests.RequestException):
        raise ConnectError(
            "The store's token endpoint answered something Storedesk did not understand. Nothing was saved.",
            status=502,
            code="bad_token_response",
        ) from None


# --- pasted API token -----------------------------------------------------------------


_TOKEN_RE = re.compile(r"[A-Za-z0-9._~+/=-]+")


@sensitive_variables("token")
def store_connect_with_token(*, subdomain: str, token: str, operator) -> Store:
    """Connect a store with an access token from its Settings > API Access."""
    token = (token or "").strip()
    if not token or len(token) > _MAX_TOKEN_LENGTH or not _TOKEN_RE.fullmatch(token):
        raise ConnectError("That does not look like an API access token.", code="bad_token")
    if not is_valid_subdomain(subdomain):
        raise ConnectError("That is not a valid store subdomain.", code="invalid_store")
    return store_activate(subdomain=subdomain, operator=operator, access_token=token, scopes="", method="token")


# --- the common end of every connect -------------------------------------------------------


def store_info_parse(body) -> dict:
    """Name, currency and time zone from `store/` (a list of one store, or the store)."""
    if isinstance(body, list):
        body = body[0] if body else None
    if not isinstance(body, dict):
        raise UnexpectedResponse("The store's details have an unexpected shape.")
    name = body.get("name")
    name = name.strip()[:200] if isinstance(name, str) else ""
    tz = body.get("timezone")
    if not isinstance(tz, str) or tz not in zoneinfo.available_timezones():
        tz = "UTC"
    currency = body.get("currency")
    if not isinstance(currency, str):
        currencies = body.get("available_currencies")
        first = currencies[0] if isinstance(currencies, list) and currencies else None
        currency = first.get("code") if isinstance(first, dict) else ""
    currency = currency.upper() if isinstance(currency, str) and re.fullmatch(r"[A-Za-z]{3}", currency) else ""
    return {"name": name, "currency": currency, "timezone": tz}


@sensitive_variables("access_token")
def _probe_client(subdomain: str, access_token: str) -> StoreClient:
    """A client for a token that is not saved yet."""
    probe = Store(subdomain=subdomain, status=Store.Status.CONNECTED)
    probe.set_tokens(access_token=access_token)
    return StoreClient.for_store(probe)


def _explain(exc: StoreAPIError, *, what: str) -> ConnectError:
    if isinstance(exc, TokenRevoked):
        return ConnectError(
            "The store did not accept this access token (wrong, revoked or for another store). Nothing was saved.",
            code="token_rejected",
        )
    if isinstance(exc, MissingScope):
        scope = exc.scope or "a permission"
        return ConnectError(
            f"The access token lacks the “{scope}” permission, which Storedesk needs to {what}. Nothing was saved.",
            code="missing_scopes",
        )
    return ConnectError(
        f"Storedesk could not {what}: {exc.user_message} Nothing was saved.", status=502, code="store_error"
    )


@contextlib.contextmanager
def _connect_lock(subdomain: str) -> Iterator[None]:
    """One connect of a store at a time, across processes: the second waits for the first
    (a double click, two owners at once), then replaces its connection."""
    lock = shared_redis().lock(
        f"storeapi:connect:{subdomain}", timeout=CONNECT_LOCK_SECONDS, blocking_timeout=CONNECT_WAIT_SECONDS
    )
    if not lock.acquire():
        raise ConnectError(
            "Another connection of this store is under way. Nothing was saved; wait a moment, then look at "
            "the store's connection page.",
            status=409,
            code="busy",
        )
    try:
        yield
    finally:
        with contextlib.suppress(LockError):  # it expired meanwhile: nothing to release
            lock.release()


@sensitive_variables("access_token", "refresh_token")
def store_activate(
    *,
    subdomain: str,
    operator,
    access_token: str,
    refresh_token: str = "",
    expires_at=None,
    scopes: str,
    method: str,
) -> Store:
    """Check the token with the store, register the webhook, then save the connection.

    No database transaction is open while the store is asked: the row is claimed (or
    created) in one short transaction, the store is called with none open, and the
    connection is saved in another short one. Connects of the same store are serialised
    by a Redis lock instead of a row lock. A failure removes the webhook it registered
    and a row it created, and leaves an existing row as it was.
    """
    connect_check_allowed(subdomain=subdomain, operator=operator)
    client = _probe_client(subdomain, access_token)
    try:
        info = store_info_parse(client.get("store/"))
    except StoreAPIError as exc:
        raise _explain(exc, what="read the store's details") from None

    with _connect_lock(subdomain):
        store, created = _store_row_claim(subdomain=subdomain, operator=operator)
        secret = secrets.token_urlsafe(32)
        webhook_id = None
        try:
            webhook_id = _webhook_register(client, store=store, secret=secret)
            store = _store_connection_save(
                store_id=store.pk,
                operator=operator,
                info=info,
                access_token=access_token,
                refresh_token=refresh_token,
                expires_at=expires_at,
                scopes=scopes,
                secret=secret,
                method=method,
            )
        except BaseException:
            if webhook_id is not None:
                _webhook_delete_quietly(client, webhook_id)
            if created:
                _store_row_forget(store)
            raise
        # Webhooks of earlier connections of this store to this Storedesk (same target),
        # still under the lock: two connects removing each other's would leave none.
        _webhooks_remove(client, target=webhook_target(store), keep=webhook_id)
    logger.info("Store %s connected by operator %s (%s).", subdomain, operator.pk, method)
    return store


def _store_row_claim(*, subdomain: str, operator) -> tuple[Store, bool]:
    """The store's row, created (empty, disconnected) when it is new: the webhook's
    target names its id. Checked again: another team may have connected it meanwhile."""
    with transaction.atomic():
        store, created = Store.objects.get_or_create(subdomain=subdomain)
    if not created:
        connect_check_allowed(subdomain=subdomain, operator=operator)
    return store, created


def _webhook_register(client: StoreClient, *, store: Store, secret: str):
    """Register Storedesk's webhook at the store (no transaction open: a network call)."""
    try:
        webhook = client.post(
            "webhooks/",
            {
                "name": WEBHOOK_NAME,
                "target": webhook_target(store),
                "events": WEBHOOK_EVENTS,
                "api_version": settings.STOREAPI_API_VERSION,
                "secret_key": secret,
            },
        )
    except StoreAPIError as exc:
        raise _explain(exc, what="register its webhooks") from None
    return webhook.get("id") if isinstance(webhook, dict) else None


@sensitive_variables("access_token", "refresh_token", "secret")
def _store_connection_save(
    *,
    store_id: int,
    operator,
    info: dict,
    access_token: str,
    refresh_token: str,
    expires_at,
    scopes: str,
    secret: str,
    method: str,
) -> Store:
    """Save the credentials and make the operator an owner, in one short transaction."""
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store_id)
        connect_check_allowed(subdomain=store.subdomain, operator=operator)
        store.name = info["name"] or store.name or store.subdomain
        store.currency = info["currency"] or store.currency
        store.timezone = info["timezone"]
        store.scopes = scopes
        store.set_tokens(access_token=access_token, refresh_token=refresh_token, expires_at=expires_at)
        store.set_webhook_secret(secret)
        store.mark_connected(operator=operator)
        store.save()
        Membership.objects.get_or_create(operator=operator, store=store, defaults={"role": Role.OWNER})
        signals.store_connected.send(sender=Store, store=store, operator=operator, method=method)
    return store


def _store_row_forget(store: Store) -> None:
    """Remove the row this connect created, if nothing was saved in it after all."""
    Store.objects.filter(
        pk=store.pk, status=Store.Status.DISCONNECTED, access_token_encrypted="", memberships__isnull=True
    ).delete()


# --- webhooks at the store -----------------------------------------------------------------


def _webhook_delete_quietly(client: StoreClient, webhook_id) -> bool:
    try:
        client.delete(f"webhooks/{int(webhook_id)}/")
        return True
    except (StoreAPIError, ValueError, TypeError) as exc:
        logger.warning(
            "Could not remove webhook %s of store %s: %s", webhook_id, client.store.subdomain, type(exc).__name__
        )
        return False


def _webhooks_remove(client: StoreClient, *, target: str, keep=None) -> int:
    """Remove, best effort, the store's webhooks that point at `target`."""
    removed = 0
    try:
        stale = [
            hook.get("id")
            for page in client.iter_pages("webhooks/")
            for hook in page.results
            if isinstance(hook, dict) and hook.get("target") == target and hook.get("id") != keep
        ]
    except StoreAPIError as exc:
        logger.warning("Could not list the webhooks of store %s: %s", client.store.subdomain, type(exc).__name__)
        return 0
    for webhook_id in stale:
        removed += _webhook_delete_quietly(client, webhook_id)
    return removed


# --- disconnecting ---------------------------------------------------------------------------


def store_disconnect(*, store: Store, operator) -> Store:
    """An owner disconnects the store: webhooks removed (best effort), tokens wiped.

    Memberships stay, so an owner can reconnect it later.
    """
    if store.access_token_encrypted and store.status != Store.Status.DISCONNECTED:
        _webhooks_remove(StoreClient.for_store(store), target=webhook_target(store))
    return _store_wipe(store=store, operator=operator, reason="operator")


def store_mark_uninstalled(*, store: Store) -> Store:
    """The platform says the app was uninstalled: the tokens are dead; forget them."""
    return _store_wipe(store=store, operator=None, reason="app_uninstalled")


def _store_wipe(*, store: Store, operator, reason: str) -> Store:
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        store.wipe_credentials()
        store.status = Store.Status.DISCONNECTED
        store.scopes = ""
        store.save()
        signals.store_disconnected.send(sender=Store, store=store, operator=operator, reason=reason)
    logger.info("Store %s disconnected (%s).", store.subdomain, reason)
    return store


__all__ = [
    "WEBHOOK_EVENTS",
    "ConnectError",
    "connect_check_allowed",
    "connect_finish",
    "connect_start",
    "redirect_uri",
    "requested_scopes",
    "store_activate",
    "store_connect_with_token",
    "store_disconnect",
    "store_info_parse",
    "store_mark_uninstalled",
    "webhook_target",
]
