"""The answers to errors no view handled (Django's `handler400`, `handler403`,
`handler404` and `handler500`, set in config/urls.py), and the 410 some views answer.

Error pages are the site's own: its layout, with the navigation when an operator is signed
in (templates/<status>.html on templates/errors/page.html), never Django's yellow debug
page in a deployment (DEBUG is off there and in `make demo`). When the page with the
navigation cannot be drawn, because what broke the request also breaks its context (a
context processor that raises, a database connection gone bad), the same page is drawn
in a frame that needs no request (`errors/plain.html`), and when even that fails, as a
few lines of fixed HTML: an error page never raises.

When what failed is a service Storedesk depends on, Redis or the database, the operator
gets a 503 that says which one is not answering and that nothing was lost, never a 500
page or a traceback (issue 12, finding 7; docs/chaos.md). An htmx request gets the same
message as a fragment, marked with `X-Storedesk-Unavailable`, which static/js/storedesk.js
swaps into the part of the page that asked (a GET) or shows above the page (a POST, so
that the form keeps what was typed). Every other error is the 500 page above.

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
from django.shortcuts import render
from django.template.loader import render_to_string
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


# The fixed HTML of the last resort, when no template can be rendered at all.
_LAST_RESORT = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    410: "No longer here",
    500: "Something went wrong",
}


def error_page(request, status: int, *, message: str = "") -> HttpResponse:
    """The styled page of `status` (templates/<status>.html), with the navigation.
    `message`: what the 403 or 410 says instead of its general text (written for
    operators: the views' PermissionDenied messages)."""
    context = {"exception": message}
    try:
        return render(request, f"{status}.html", context, status=status)
    except Exception:
        # Whatever broke the request must not break its error page as well.
        logger.exception("The %s page could not be drawn with the navigation; showing it without", status)
    try:
        page = render_to_string(f"{status}.html", {**context, "frame": "errors/plain.html"})
    except Exception:
        logger.exception("The %s page could not be drawn at all; showing fixed HTML", status)
        title = _LAST_RESORT[status]
        page = (
            f'<!doctype html><html lang="en"><title>{title} · Storedesk</title>'
            f'<h1>{title}</h1><p><a href="/">Back to your stores</a></p></html>'
        )
    return HttpResponse(page, status=status)


def _message(exception) -> str:
    """The text of a PermissionDenied raised with one; nothing for other exceptions,
    whose messages are for developers (a 404's says which model was not found)."""
    args = getattr(exception, "args", ())
    return str(args[0]) if args and isinstance(args[0], str) else ""


def bad_request(request, exception):
    """handler400."""
    return error_page(request, 400)


def permission_denied(request, exception):
    """handler403: says why when the view said why ("Your role in this store does not allow this.")."""
    return error_page(request, 403, message=_message(exception))


def page_not_found(request, exception):
    """handler404. Never says what was not found: another store's URL is a 404 too."""
    return error_page(request, 404)


def server_error(request):
    """handler500: a 503 naming the service that does not answer, else the 500 page."""
    outage = outage_of(sys.exc_info()[1])
    if outage is None:
        return error_page(request, 500)
    # Django logs the exception with its traceback as well (django.request).
    logger.warning("%s did not answer during %s %s", outage.service, request.method, request.path)
    return unavailable_response(request, outage)
