"""Payment links: where a store posts their outcome, and the operator's notice of it.

`/payments/return/<token>/` is public (the store's server calls it, not an operator)
and CSRF-exempt, like a webhook. The token in the URL is unguessable and belongs to
one phone order. The body (`response=<json>`, the order or `{}`) is never believed:
the order is read again from the store's API and only what the API shows is recorded.
A POST the API does not confirm changes nothing.
"""

from __future__ import annotations

import json
import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from storeapi.errors import StoreAPIError

from ..models import PhoneOrder
from ..services.payment_notices import phone_order_notices_take
from ..services.phone_orders import phone_order_payment_verify

logger = logging.getLogger(__name__)

NOTICE = "dashboard/phone_orders/notice.html"


def _claim(request) -> str:
    """What the POST says happened, for the log only."""
    raw = request.POST.get("response", "")
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        return "unreadable"
    if body == {}:
        return "failed"
    if isinstance(body, dict):
        return f"order {str(body.get('number'))[:20]} {str(body.get('payment_status'))[:20]}"
    return "unreadable"


@csrf_exempt
@require_POST
def payment_return(request, token):
    phone_order = (
        PhoneOrder.objects.filter(return_token=token, state=PhoneOrder.State.CREATED, payment=PhoneOrder.Payment.LINK)
        .select_related("store", "operator")
        .first()
    )
    if phone_order is None:
        raise Http404("No such payment.")
    claim = _claim(request)
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
