"""Webhook events: signed deliveries to registered targets, retried with backoff.

`emit` records one delivery per subscribed, active webhook of the store, with the
exact body that will be sent (`{"object", "data", "event_id", "event_type", "webhook",
"api_version"}`) and sends nothing itself. The background thread (`worker.py`) POSTs
due deliveries with `X-29Next-Signature` = hex HMAC-SHA256 of the body with the
webhook's secret. A 2xx ends a delivery; 410 ends it and disables the webhook; any
other answer, a timeout or a refused connection is retried after
SANDBOX_WEBHOOK_RETRY_BASE_SECONDS * 2**(attempt-1) (capped) until
SANDBOX_WEBHOOK_MAX_ATTEMPTS. Every attempt is recorded.

The body is `json.dumps(payload)` with the default separators, so a receiver that
verifies `json.dumps(json.loads(body))`, as the platform's documentation does, computes
the same signature as one that verifies the raw body.
"""

import datetime as dt
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from . import worker
from .models import Store, Webhook, WebhookAttempt, WebhookDelivery
from .versions import API_VERSION

log = logging.getLogger(__name__)
USER_AGENT = "29next-webhooks (sandbox)"
BATCH = 16
_http = requests.Session()
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sandbox-webhook")


def emit(store: Store, event_type: str, obj: str, data: dict) -> list[WebhookDelivery]:
    """Queue `event_type` for every active webhook of the store that subscribes to it."""
    deliveries = []
    for webhook in Webhook.objects.filter(store=store, active=True):
        if event_type not in (webhook.events or []):
            continue
        event_id = uuid.uuid4()
        payload = {
            "object": obj,
            "data": data,
            "event_id": str(event_id),
            "event_type": event_type,
            "webhook": {
                "id": webhook.id,
                "events": list(webhook.events or []),
                "store": store.subdomain,
                "target": webhook.target,
            },
            "api_version": webhook.api_version or API_VERSION,
        }
        deliveries.append(
            WebhookDelivery.objects.create(
                store=store,
                webhook=webhook,
                event_id=event_id,
                event_type=event_type,
                target=webhook.target,
                payload=json.dumps(payload),
                next_attempt_at=timezone.now(),
            )
        )
    if deliveries:
        transaction.on_commit(worker.wake)
    return deliveries


def backoff_seconds(attempt: int) -> float:
    base = settings.SANDBOX_WEBHOOK_RETRY_BASE_SECONDS
    return min(base * 2 ** (attempt - 1), settings.SANDBOX_WEBHOOK_RETRY_MAX_SECONDS)


def process_due() -> int:
    """Send every delivery that is due, a few at a time in parallel; return how many."""
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING, next_attempt_at__lte=now)
        .select_related("webhook")
        .order_by("next_attempt_at", "id")[:BATCH]
    )
    if not due:
        return 0
    # Lease them so that a slow batch is not picked up twice.
    lease = now + dt.timedelta(seconds=settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS + 30)
    WebhookDelivery.objects.filter(id__in=[d.id for d in due]).update(next_attempt_at=lease)
    list(_pool.map(_attempt_safely, [d.id for d in due]))
    return len(due)


def _attempt_safely(delivery_id: int) -> None:
    try:
        attempt(delivery_id)
    except Exception:
        log.exception("webhook delivery %s", delivery_id)
    finally:
        close_old_connections()


def attempt(delivery_id: int) -> WebhookAttempt:
    delivery = WebhookDelivery.objects.select_related("webhook").get(id=delivery_id)
    webhook = delivery.webhook
    body = delivery.payload.encode()
    signature = webhook.sign(body)
    number = delivery.attempts + 1
    status_code, error = None, ""
    started = time.monotonic()
    try:
        response = _http.post(
            delivery.target,
            data=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-29Next-Signature": signature,
            },
            timeout=settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status_code = response.status_code
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    record = WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        status_code=status_code,
        error=error,
        signature=signature,
        duration_ms=duration_ms,
    )
    now = timezone.now()
    delivery.attempts = number
    delivery.last_status_code = status_code
    delivery.last_error = error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.finished_at, delivery.next_attempt_at = WebhookDelivery.DELIVERED, now, None
    elif status_code == 410:
        delivery.status, delivery.finished_at, delivery.next_attempt_at = WebhookDelivery.FAILED, now, None
        Webhook.objects.filter(id=webhook.id).update(active=False, updated_at=now)
    elif number >= settings.SANDBOX_WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.finished_at, delivery.next_attempt_at = WebhookDelivery.FAILED, now, None
        Webhook.objects.filter(id=webhook.id).update(warning_count=F("warning_count") + 1)
    else:
        retry_at = now + dt.timedelta(seconds=backoff_seconds(number))
        delivery.next_attempt_at = retry_at
        Webhook.objects.filter(id=webhook.id).update(next_check_date=retry_at)
    delivery.save(
        update_fields=["attempts", "last_status_code", "last_error", "status", "finished_at", "next_attempt_at"]
    )
    return record
