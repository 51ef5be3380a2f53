"""The partner app (Storedesk) as the platform knows it: an OAuth client and its app URL."""

from urllib.parse import urlencode

from oauth2_provider.models import AccessToken, Application, RefreshToken
from oauthlib.common import generate_token

from .models import AppSettings, StaffUser, Store


def register_client(*, client_id: str, client_secret: str, redirect_uris: list[str], app_url: str, name: str):
    """Create or update the confidential authorization-code client; the secret is kept in clear."""
    app = Application.objects.filter(client_id=client_id).first() or Application(client_id=client_id)
    app.name = name
    app.client_type = Application.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    app.hash_client_secret = False
    app.client_secret = client_secret
    app.redirect_uris = " ".join(dict.fromkeys(redirect_uris))
    app.skip_authorization = False
    app.algorithm = ""
    app.save()
    AppSettings.objects.update_or_create(application=app, defaults={"app_url": app_url})
    return app


def app_url_with(app: Application, **params) -> str:
    """The app's registered URL with these query parameters added (it may have its own)."""
    base = app.sandbox.app_url
    return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"


def add_redirect_uri(app: Application, uri: str) -> None:
    uris = app.redirect_uris.split()
    if uri not in uris:
        app.redirect_uris = " ".join([*uris, uri])
        app.save(update_fields=["redirect_uris"])


def issue_access_token(*, store: Store, scopes: str, user: StaffUser | None = None, application=None) -> AccessToken:
    """A new access token for the store, as Settings > API Access hands one out."""
    from django.conf import settings
    from django.utils import timezone

    user = user or store.staff.filter(is_owner=True).first() or store.staff.first()
    raw = generate_token()
    token = AccessToken(
        user=user,
        application=application,
        token=raw,
        scope=" ".join(scopes.split()),
        expires=timezone.now() + timezone.timedelta(seconds=settings.SANDBOX_ACCESS_TOKEN_EXPIRE_SECONDS),
    )
    token.save()
    token.raw_token = raw
    return token


def store_tokens(store: Store):
    return AccessToken.objects.filter(user__store=store)


def revoke_store_tokens(store: Store, application=None) -> int:
    """Revoke every access and refresh token of the store (or only the app's)."""
    tokens = store_tokens(store)
    refresh = RefreshToken.objects.filter(user__store=store)
    if application is not None:
        tokens = tokens.filter(application=application)
        refresh = refresh.filter(application=application)
    count = tokens.count()
    refresh.delete()
    tokens.delete()
    return count


def installed_apps(store: Store):
    """Apps with at least one live token granted by this store."""
    ids = store_tokens(store).exclude(application=None).values_list("application_id", flat=True)
    return Application.objects.filter(id__in=set(ids))
