"""Bearer tokens and scopes: who is calling, for which store, allowed to do what.

A token is a django-oauth-toolkit `AccessToken`; its user is a store user, which ties
it to exactly one store. A token used on another store's URL is as good as no token.
"""

import hashlib

from oauth2_provider.models import AccessToken
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission


def token_checksum(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class StoreTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise exceptions.AuthenticationFailed("Invalid token header.")
        store = request._request.sandbox_store
        token = (
            AccessToken.objects.select_related("user", "application")
            .filter(token_checksum=token_checksum(parts[1]))
            .first()
        )
        if token is None or token.is_expired() or token.user is None or token.user.store_id != store.id:
            raise exceptions.AuthenticationFailed("Invalid token.")
        request._request.sandbox_token = token
        return (token.user, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def has_scope(token, scope: str) -> bool:
    granted = set((token.scope or "").split())
    admin = "admin:write" if scope.endswith(":write") else "admin:read"
    return scope in granted or admin in granted


class HasScope(BasePermission):
    """The view names a resource (`orders`); reads need `orders:read`, writes `orders:write`."""

    def has_permission(self, request, view):
        if request.auth is None:
            return False
        resource = view.scope_resource
        if resource is None:
            return True  # documented with no particular scope: any token of the store
        needed = f"{resource}:read" if request.method in SAFE_METHODS else f"{resource}:write"
        return has_scope(request.auth, needed)
