"""The answer to an error no view handled (Django's `handler500`, set in config/urls.py).

When what failed is a service Storedesk depends on, Redis or the database, the operator
gets a 503 that says which one is not answering and that nothing was lost, never a 500
page or a traceback (issue 12, finding 7; docs/chaos.md). An htmx request gets the same
message as a fragment, marked with `X-Storedesk-Unavailable`, which static/js/storedesk.js
swaps into the part of the page that asked (a GET) or shows above the page (a POST, so
that the form keeps what was typed). Every other error is Django's plain 500 page.

This runs from any layer (a view, a decorator, a middleware), so it must need neither
Redis nor the database itself: the templates are rendered without the request's context
processors, which read both.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as plain_server_error
from kombu.exceptions import OperationalError as BrokerError

from storeapi.redis_client import REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)

UNAVAILABLE_HEADER = "X-Storedesk-Unavailable"
RETRY_AFTER_SECONDS = 10


@dataclass(frozen=True)
class Outage:
    service: str  # "redis" or "database": the header's value and the page's data-unavailable
    title: str  # which service does not answer
    effect: str  # what stops meanwhile


REDIS = Outage(
    "redis",
    "Storedesk's shared cache and rate limiter (Redis) are not answering",
    "Store pages are paused so that the stores' rate limits are not exceeded, and so are sign-in and starting jobs.",
)
DATABASE = Outage(
    "database",
    "Storedesk's database is not answering",
    "Pages are paused until it answers again; running jobs wait.",
)

# What a service that does not answer raises. redis-py: connection refused or reset, no
# answer within REDIS_SOCKET_TIMEOUT (Django's cache raises these too); kombu: a task
# that could not be sent to the broker (Redis); Django: the database connection.
_OUTAGES: tuple[tuple[tuple[type[BaseException], ...], Outage], ...] = (
    ((*REDIS_UNAVAILABLE, BrokerError), REDIS),
    ((OperationalError, InterfaceError), DATABASE),
)


def outage_of(exc: BaseException | None) -> Outage | None:
    """The outage behind an exception, looking through what it was raised from."""
    seen = 0
    while exc is not None and seen < 10:
        for types, outage in _OUTAGES:
            if isinstance(exc, types):
                return outage
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def unavailable_response(request, outage: Outage) -> HttpResponse:
    htmx = getattr(request, "htmx", None)  # None when the error came before django-htmx's middleware
    context = {
        "outage": outage,
        "again": request.get_full_path() if request.method == "GET" else "",
        "page": (htmx.current_url_abs_path or "") if htmx else "",
    }
    template = "includes/unavailable.html" if htmx and not htmx.history_restore_request else "503.html"
    page = render_to_string(template, context)
    response = HttpResponse(page, status=503)
    response[UNAVAILABLE_HEADER] = outage.service
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a 503 naming the service that does not answer, else Django's 500."""
    outage = outage_of(sys.exc_info()[1])
    if outage is None:
        return plain_server_error(request)
    # Django logs the exception with its traceback as well (django.request).
    logger.warning("%s did not answer during %s %s", outage.service, request.method, request.path)
    return unavailable_response(request, outage)
