"""OAuth with the platform: token refresh (and, in connect.py, the authorization flow).

The client secret goes only to URLs built from STOREAPI_STORE_URL and a validated
subdomain, never to a host taken from a request.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from oauthlib.oauth2 import OAuth2Error
from redis.exceptions import LockError
from requests_oauthlib import OAuth2Session

from . import crypto
from .domains import store_base_url
from .errors import StoreUnavailable
from .http import shared_session
from .redis_client import shared_redis

logger = logging.getLogger(__name__)

# Access tokens are long lived; an absurd expires_in must not overflow a datetime.
MAX_EXPIRES_IN = 60 * 60 * 24 * 365 * 20


def authorize_url(subdomain: str) -> str:
    return f"{store_base_url(subdomain)}/oauth2/authorize/"


def token_url(subdomain: str) -> str:
    return f"{store_base_url(subdomain)}/oauth2/token/"


def expiry_from(expires_in: int | None) -> timezone.datetime | None:
    """When a token expires. oauthlib leaves `expires_in` a whole number or out; a JSON
    answer's is clamped by `_token_response_hook` already, a form-encoded one's
    (which the hook leaves alone) is clamped here."""
    if not expires_in or expires_in <= 0:
        return None
    return timezone.now() + timedelta(seconds=min(expires_in, MAX_EXPIRES_IN))


class TokenEndpointError(Exception):
    """The token endpoint answered with a server error: it is down, not a refusal."""

    def __init__(self, status: int):
        super().__init__(f"The token endpoint answered {status}.")
        self.status = status


def _token_response_hook(response: requests.Response) -> requests.Response:
    """Before oauthlib parses a token answer: a 5xx is an outage, not a refusal, and
    an absurd `expires_in` (1e400, 10**40) is clamped so that nothing overflows."""
    if response.status_code >= 500:
        raise TokenEndpointError(response.status_code)
    try:
        body = response.json()
    except ValueError:
        return response
    if isinstance(body, dict) and "expires_in" in body:
        try:
            seconds = float(body["expires_in"])
        except (TypeError, ValueError, OverflowError):
            seconds = None
        if seconds is None or seconds != seconds:  # not a number, or NaN
            body.pop("expires_in")
        else:
            body["expires_in"] = int(min(max(seconds, 0), MAX_EXPIRES_IN))
        response._content = json.dumps(body).encode()
    return response


def oauth_session(**kwargs) -> OAuth2Session:
    session = OAuth2Session(client_id=settings.STOREAPI_CLIENT_ID, **kwargs)
    # Share connection pooling and timeouts' semantics with the rest of storeapi.
    session.mount("https://", shared_session().get_adapter("https://"))
    session.mount("http://", shared_session().get_adapter("http://"))
    session.register_compliance_hook("access_token_response", _token_response_hook)
    session.register_compliance_hook("refresh_token_response", _token_response_hook)
    return session


def refresh_access_token(store, *, used_ciphertext: str) -> bool:
    """Swap the store's refresh token for a new access token, once across processes.

    `used_ciphertext` is the encrypted access token the failed request used: if the
    token saved now is another one, another process refreshed already and this one just
    reloads. What the ciphertexts hold is compared, not the ciphertexts: a key rotation
    (`rotate_token_keys`) re-encrypts the same token into a new ciphertext.
    Returns whether a fresh access token is now saved.
    """
    lock = shared_redis().lock(f"storeapi:refresh:{store.pk}", timeout=60, blocking_timeout=60)
    try:
        lock.acquire()
    except LockError:
        raise StoreUnavailable("Another process is still refreshing the token.", store=store.subdomain) from None
    try:
        return _refresh_locked(store, used_ciphertext=used_ciphertext)
    finally:
        with contextlib.suppress(LockError):  # it expired meanwhile: nothing to release
            lock.release()


@sensitive_variables("saved", "used")
def _another_token_saved(saved_ciphertext: str, used_ciphertext: str) -> bool:
    if not saved_ciphertext or saved_ciphertext == used_ciphertext:
        return False
    try:
        saved, used = crypto.decrypt(saved_ciphertext), crypto.decrypt(used_ciphertext)
    except crypto.DecryptionError:
        # This process decrypted the used token moments ago, so this should not happen;
        # when it does, refreshing is the way to a token that works.
        return False
    return not hmac.compare_digest(saved.encode(), used.encode())


@sensitive_variables("refresh_token", "token")
def _refresh_locked(store, *, used_ciphertext: str) -> bool:
    store.refresh_from_db()
    if _another_token_saved(store.access_token_encrypted, used_ciphertext):
        return True
    refresh_token = store.refresh_token()
    if not refresh_token or not settings.STOREAPI_CLIENT_ID:
        return False
    try:
        token = oauth_session().refresh_token(
            token_url(store.subdomain),
            refresh_token=refresh_token,
            client_id=settings.STOREAPI_CLIENT_ID,
            client_secret=settings.STOREAPI_CLIENT_SECRET,
            timeout=(settings.STOREAPI_CONNECT_TIMEOUT, settings.STOREAPI_READ_TIMEOUT),
        )
    except (requests.ConnectionError, requests.Timeout, TokenEndpointError):
        raise StoreUnavailable("The store's token endpoint did not answer.", store=store.subdomain) from None
    except (OAuth2Error, ValueError) as exc:
        # The grant is gone (revoked, expired, app uninstalled).
        logger.info("Refreshing the token of store %s failed: %s", store.subdomain, type(exc).__name__)
        return False
    if not token.get("access_token"):
        return False
    store.set_tokens(
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token") or refresh_token,
        expires_at=expiry_from(token.get("expires_in")),
    )
    store.save(update_fields=["access_token_encrypted", "refresh_token_encrypted", "token_expires_at", "updated_at"])
    logger.info("Refreshed the access token of store %s.", store.subdomain)
    return True
