"""Per-request state of storeapi: how old the store data on the page is (freshness), and
the shared cache's lookups a page said it would make (storeapi.cache.look_ahead)."""

from __future__ import annotations

from django.conf import settings

from .cache import look_ahead_scope
from .freshness import freshness_scope

# Sent by the Refresh control through htmx; `?refresh=1` does the same without JavaScript.
REFRESH_HEADER = "X-Storedesk-Refresh"


def asks_for_fresh_data(request) -> bool:
    return request.method == "GET" and (request.GET.get("refresh") == "1" or request.headers.get(REFRESH_HEADER) == "1")


class ReadFreshnessMiddleware:
    """Opens the request's Freshness record (storeapi.freshness) around the view, with
    the request's budget of waiting for stores, and the scope of the lookups it says it
    will make (storeapi.cache.look_ahead)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wait = settings.STOREAPI_PAGE_WAIT_SECONDS
        with freshness_scope(wants_fresh=asks_for_fresh_data(request), wait_seconds=wait) as scope, look_ahead_scope():
            request.freshness = scope
            return self.get_response(request)
