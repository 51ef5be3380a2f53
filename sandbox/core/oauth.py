"""The OAuth authorization-code flow on each store's domain, with django-oauth-toolkit.

`/<store>/oauth2/authorize/` asks the signed-in store user to approve the app's scopes
and redirects to the app's registered redirect URI with `store={network domain}`, the
`code` (or `error=access_denied`) and the client's `state`. `/<store>/oauth2/token/`
exchanges a code or a refresh token (form-encoded, client credentials in the body). A
code or refresh token issued by one store is refused at another store's token endpoint.
"""

from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView, RevokeTokenView, TokenView

from .dashboard import signed_in_user
from .middleware import url_store


def _store_in(uri: str) -> str:
    parts = urlparse(uri).path.split("/")
    return parts[1] if len(parts) > 1 else ""


class StoreOAuth2Validator(OAuth2Validator):
    """Grants and tokens belong to a store user; they only work on that user's store."""

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        return valid and request.user.store.subdomain == _store_in(request.uri)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and request.user is not None and request.user.store.subdomain == _store_in(request.uri)


class StoreMixin:
    def dispatch(self, request, *args, store, **kwargs):
        self.store = url_store(request)
        return super().dispatch(request, *args, **kwargs)


class StoreAuthorizationView(StoreMixin, AuthorizationView):
    """The consent page. Signing in happens on the store dashboard's sign-in page."""

    template_name = "sandbox/authorize.html"

    def dispatch(self, request, *args, **kwargs):
        request.user = signed_in_user(request, url_store(request))
        return super().dispatch(request, *args, **kwargs)

    def handle_no_permission(self):
        url = reverse("sandbox:sign-in", kwargs={"store": self.store.subdomain})
        return redirect(f"{url}?{urlencode({'next': self.request.get_full_path()})}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["store"] = self.store
        context["user"] = self.request.user
        return context

    def redirect(self, redirect_to, application):
        """Every redirect back to the app says which store it comes from, first."""
        parsed = urlparse(redirect_to)
        query = [("store", self.store.network_domain)] + [
            (key, value) for key, value in parse_qsl(parsed.query, keep_blank_values=True) if key != "store"
        ]
        return super().redirect(urlunparse(parsed._replace(query=urlencode(query))), application)


@method_decorator(csrf_exempt, name="dispatch")
class StoreTokenView(StoreMixin, TokenView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class StoreRevokeTokenView(StoreMixin, RevokeTokenView):
    pass
