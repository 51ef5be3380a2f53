"""Payment links: where a store posts their outcome, and the operator's notice of it.

`/payments/return/<token>/` is public (the store's server calls it, not an operator)
and CSRF-exempt, like a webhook. The token in the URL is unguessable and belongs to
one phone order. The body (`response=<json>`, the order or `{}`) is never believed:
the order is read again from the store's API and only what the API shows is recorded.
A POST the API does not confirm changes nothing.

Whatever is posted, the answer is 200 (the store was asked), 404 (no such payment),
429 (this payment's return was posted too often: each return makes Storedesk read the
store, so one token may do it `PAYMENT_RETURN_MAX_READS` times a
`PAYMENT_RETURN_WINDOW_SECONDS`) or 503 (the store could not be asked), plain text.
"""

from __future__ import annotations

import json
import logging
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from storeapi.errors import StoreAPIError
from storeapi.ratelimit import window_hit

from ..models import PhoneOrder
from ..services.payment_notices import phone_order_notices_take
from ..services.phone_orders import phone_order_payment_verify

logger = logging.getLogger(__name__)

NOTICE = "dashboard/phone_orders/notice.html"


# A return token is `secrets.token_urlsafe(32)`; anything else is no payment's, and is
# not even looked up (a NUL byte in a query is an error in PostgreSQL).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_CLAIM_MAX_CHARS = 65536  # the store posts one order: more is not worth parsing for a log line


def _claim(request) -> str:
    """What the POST says happened, for the log only. Anything may be posted: only an
    object is read, and only its number and payment status, as short text."""
    raw = request.POST.get("response", "")
    if len(raw) > _CLAIM_MAX_CHARS:
        return "unreadable"
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
        return "unreadable"
    if body == {}:
        return "failed"
    if isinstance(body, dict):
        return f"order {_scalar(body.get('number'))} {_scalar(body.get('payment_status'))}"
    return "unreadable"


def _scalar(value) -> str:
    return str(value)[:20] if isinstance(value, str | int | float | bool) or value is None else "?"


@csrf_exempt
@require_POST
def payment_return(request, token):
    phone_order = (
        PhoneOrder.objects.filter(return_token=token, state=PhoneOrder.State.CREATED, payment=PhoneOrder.Payment.LINK)
        .select_related("store", "operator")
        .first()
        if _TOKEN.fullmatch(token)
        else None
    )
    if phone_order is None:
        raise Http404("No such payment.")
    claim = _claim(request)
    wait = window_hit(
        f"payment-return:{phone_order.pk}",
        limit=settings.PAYMENT_RETURN_MAX_READS,
        window_seconds=settings.PAYMENT_RETURN_WINDOW_SECONDS,
    )
    if wait:
        logger.warning(
            "Payment return for order %s of %s (%s): refused, posted too often.",
            phone_order.order_number,
            phone_order.store.subdomain,
            claim,
        )
        response = HttpResponse(
            f"Too many returns for this payment; try again in {wait} s.", status=429, content_type="text/plain"
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        changed = phone_order_payment_verify(phone_order=phone_order, source="return")
    except StoreAPIError as error:
        logger.warning(
            "Payment return for order %s of %s (%s): the store could not be asked: %r",
            phone_order.order_number,
            phone_order.store.subdomain,
            claim,
            error,
        )
        return HttpResponse("The store could not be asked; try again.", status=503, content_type="text/plain")
    logger.info(
        "Payment return for order %s of %s (%s): %s",
        phone_order.order_number,
        phone_order.store.subdomain,
        claim,
        f"recorded {phone_order.payment_status}" if changed else f"unchanged ({phone_order.payment_status})",
    )
    return HttpResponse("OK", content_type="text/plain")


@require_GET
@login_required
def payment_notice(request):
    """The small "the buyer paid" area of every page (polled while a link waits)."""
    notices = phone_order_notices_take(operator=request.user)
    return render(request, NOTICE, {"payment_notice": notices})
