"""Session tokens: a store user opens Storedesk from the store's dashboard.

The platform opens the App URL with `?store=<network domain>&token=<JWT>`. The JWT is
HS256, signed with the app's client secret, `aud` the client id, valid for 30 seconds,
and names the store and the store user (`user_email`). It proves who opened the app,
where, right now. Storedesk signs in the operator whose verified e-mail address is
that `user_email` only if they are already a member of that store; nothing is created
from a token, and each token is accepted once.
"""

from __future__ import annotations

import hashlib
import logging
import time
from urllib.parse import urlsplit

import jwt
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from .domains import InvalidStoreDomain, network_domain, store_base_url, subdomain_from_network_domain
from .models import Membership, Store

logger = logging.getLogger(__name__)

MAX_LIFETIME = 60  # seconds between iat and exp, at most (the platform uses 30)
_MAX_TOKEN_LENGTH = 8192
_REQUIRED_CLAIMS = ["exp", "iat", "aud", "iss", "store", "user_email"]


class SessionTokenError(Exception):
    """The token does not prove anything; `reason` is for logs, not for pages."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _issuer_matches(issuer, subdomain: str) -> bool:
    """`iss` names the same store: its network domain, or a URL on it (the platform
    uses `https://<store>.29next.store/dashboard`)."""
    if not isinstance(issuer, str) or not issuer:
        return False
    domain = network_domain(subdomain)
    if issuer == domain:
        return True
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.netloc == domain:
        return True
    base = store_base_url(subdomain)
    return issuer == base or issuer.startswith(base + "/")


@sensitive_variables("token")
def session_token_verify(*, token: str, subdomain: str) -> dict:
    """The verified claims of a session token for `subdomain`, or SessionTokenError.

    Marks the token used: a second call with the same token fails.
    """
    secret = settings.STOREAPI_CLIENT_SECRET
    if not secret or not settings.STOREAPI_CLIENT_ID:
        raise SessionTokenError("no OAuth app configured")
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH:
        raise SessionTokenError("malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SessionTokenError("malformed") from None
    if header.get("alg") != "HS256":
        raise SessionTokenError("algorithm")
    try:
        claims = jwt.decode(
            token,
            key=secret,
            algorithms=["HS256"],
            audience=settings.STOREAPI_CLIENT_ID,
            leeway=settings.STOREAPI_SESSION_TOKEN_LEEWAY,
            options={"require": _REQUIRED_CLAIMS, "verify_signature": True, "verify_iat": True},
        )
    except jwt.ExpiredSignatureError:
        raise SessionTokenError("expired") from None
    except jwt.PyJWTError as exc:
        raise SessionTokenError(type(exc).__name__) from None
    try:
        lifetime = float(claims["exp"]) - float(claims["iat"])
    except (TypeError, ValueError):
        raise SessionTokenError("times") from None
    if not 0 < lifetime <= MAX_LIFETIME:
        raise SessionTokenError("lifetime")
    try:
        token_store = subdomain_from_network_domain(claims["store"])
    except InvalidStoreDomain:
        raise SessionTokenError("store claim") from None
    if token_store != subdomain:
        raise SessionTokenError("store differs from the query")
    if not _issuer_matches(claims["iss"], subdomain):
        raise SessionTokenError("issuer differs from the store")
    if not isinstance(claims["user_email"], str) or "@" not in claims["user_email"]:
        raise SessionTokenError("user_email")

    # Accepted once: the first to claim the token's hash wins, across processes.
    remaining = float(claims["exp"]) + settings.STOREAPI_SESSION_TOKEN_LEEWAY - time.time()
    key = "storeapi:session-token-used:" + hashlib.sha256(token.encode()).hexdigest()
    if not cache.add(key, 1, timeout=int(max(remaining, 0)) + 60):
        raise SessionTokenError("replayed")
    return claims


def session_token_operator(*, claims: dict, store: Store):
    """The operator this token may sign in: an active operator with that verified
    e-mail address who is already a member of the store. None otherwise."""
    email = claims["user_email"].strip()
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .order_by("-primary", "pk")
        .first()
    )
    if address is None:
        return None
    operator = address.user
    if not operator.is_active:
        return None
    if not Membership.objects.filter(operator=operator, store=store).exists():
        return None
    return operator
