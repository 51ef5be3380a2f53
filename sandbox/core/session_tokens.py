"""Session tokens: what "open app" in the store dashboard hands the app.

A JWT signed HS256 with the app's client secret, `aud` = client id, valid 30 seconds,
with the claims the platform documents: iss, sub, aud, exp, nbf, iat, uid, user_email, store.
"""

import time

import jwt

from .partner_apps import app_url_with

LIFETIME_SECONDS = 30


def session_token(*, store, user, application, now: int | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": f"{store.origin}/dashboard",
        "sub": store.origin,
        "aud": application.client_id,
        "exp": issued + LIFETIME_SECONDS,
        "nbf": issued,
        "iat": issued,
        "uid": user.id,
        "user_email": user.email,
        "store": store.network_domain,
    }
    return jwt.encode(claims, application.client_secret, algorithm="HS256")


def open_app_url(*, store, user, application) -> tuple[str, str]:
    token = session_token(store=store, user=user, application=application)
    return app_url_with(application, store=store.network_domain, token=token), token
