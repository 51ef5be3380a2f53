"""The buyer's side of a redirect payment (PayPal one-click and the like).

`POST /orders/` with `payment_method: paypal` answers a `payment_complete_url`: this
module's page for that payment. The buyer sees the order and its total and approves
or cancels (standing in for PayPal's own pages). Then, as the platform documents, the
store POSTs to the order's `payment_return_url`, form-encoded, `response=<json>`: the
order (the `Order` schema) when the payment succeeded, `{}` when it did not. The POST
is made by the store's server (not the buyer's browser), once, after the order is
saved; its answer is recorded on the payment (control endpoint: `payments/`).
"""

import json
import logging

import requests
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import representations as rep
from . import services
from .models import PaymentSession

log = logging.getLogger(__name__)
USER_AGENT = "29next-payments (sandbox)"
_http = requests.Session()


def payment_url(request, session: PaymentSession) -> str:
    return request.build_absolute_uri(
        reverse("sandbox:payment", kwargs={"store": session.store.subdomain, "token": session.token})
    )


def postback(session: PaymentSession, order) -> None:
    """POST the outcome to the app's return URL and record how it answered."""
    body = rep.order_repr(order) if session.status == PaymentSession.APPROVED else {}
    status, error = None, ""
    try:
        response = _http.post(
            session.return_url,
            data={"response": json.dumps(body)},
            headers={"User-Agent": USER_AGENT},
            timeout=settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status = response.status_code
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("payment return URL of order %s: %s", order.number, error)
    PaymentSession.objects.filter(id=session.id).update(postback_status=status, postback_error=error)
    session.postback_status, session.postback_error = status, error


@require_http_methods(["GET", "POST"])
def payment_page(request, store, token):
    session = (
        PaymentSession.objects.select_related("store", "order", "order__customer")
        .filter(store__subdomain=store, token=token)
        .first()
    )
    if session is None:
        raise Http404
    order = session.order
    order.store = session.store
    status = 200
    if request.method == "POST" and session.status == PaymentSession.PENDING:
        action = request.POST.get("action")
        if action in ("approve", "cancel"):
            try:
                order = services.payment_complete(session=session, approve=action == "approve")
            except services.Conflict:
                status = 409
            session.refresh_from_db()
            if session.status != PaymentSession.PENDING and status == 200:
                postback(session, order)
        else:
            status = 400
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "sandbox/payment.html",
        {"store": session.store, "session": session, "order": order, "lines": list(order.lines.all())},
        status=status,
    )
