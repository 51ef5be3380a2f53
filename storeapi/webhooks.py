"""Webhooks from stores: verify, record once, process in the background.

`POST /webhooks/<store id>/` (storeapi.views.webhook_receive):
1. the store must exist (404 otherwise; never 410, which would disable the webhook);
2. `X-29Next-Signature` must be the hex HMAC-SHA256 of the raw body with that store's
   secret, compared in constant time (the platform's documentation signs
   `json.dumps(json.loads(body))`, so that canonical form is accepted too, for bodies up
   to CANONICAL_FORM_MAX_BYTES) — else 401
   and nothing else happens;
3. the event is recorded under a unique (store, event_id): a redelivery is answered
   200 and not processed again;
4. what the event changed is marked in the shared read cache at once
   (`webhook_changes`), so the next page view of any operator asks the store;
5. a Celery task (enqueued on commit) does the rest: the "new" counters,
   `app.uninstalled`, and the `webhook_received` signal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import cache as read_cache
from . import signals
from .crypto import DecryptionError
from .events import new_count_bump
from .models import Store, WebhookEvent

logger = logging.getLogger(__name__)

# event type prefix -> the counter it bumps on `.created`
_COUNTED = {"order": "orders", "customer": "customers", "ticket": "tickets"}
# event type prefix -> the API resource it is about
_RESOURCES = {"order": "orders", "customer": "users", "ticket": "tickets", "export": "exports"}


class WebhookRejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


CANONICAL_FORM_MAX_BYTES = 256 * 1024


@sensitive_variables("secret", "key")
def signature_valid(*, secret: str, body: bytes, signature: str) -> bool:
    """Constant-time check of the hex HMAC-SHA256, over the raw body or its
    canonical JSON form."""
    if not secret or not signature or len(signature) > 256:
        return False
    given = signature.strip().lower().encode()
    key = secret.encode()
    if hmac.compare_digest(hmac.new(key, body, hashlib.sha256).hexdigest().encode(), given):
        return True
    # Parsing an unverified body costs work an attacker chooses: only small ones.
    if len(body) > CANONICAL_FORM_MAX_BYTES:
        return False
    try:
        canonical = json.dumps(json.loads(body)).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return hmac.compare_digest(hmac.new(key, canonical, hashlib.sha256).hexdigest().encode(), given)


def webhook_accept(*, store: Store, body: bytes, signature: str) -> tuple[WebhookEvent, bool]:
    """Verify and record one delivery. Returns the event and whether it is new."""
    try:
        secret = store.webhook_secret()  # "" when the store has none
    except DecryptionError:
        logger.error("The webhook secret of store %s does not decrypt (TOKEN_ENCRYPTION_KEYS?).", store.subdomain)
        secret = ""
    if not signature_valid(secret=secret, body=body, signature=signature):
        raise WebhookRejected(401, "bad signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WebhookRejected(400, "not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "not an object")
    event_id, event_type = payload.get("event_id"), payload.get("event_type")
    if not isinstance(event_id, str | int) or not str(event_id) or len(str(event_id)) > 100:
        raise WebhookRejected(400, "no event_id")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 64:
        raise WebhookRejected(400, "no event_type")
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                store=store, event_id=str(event_id), event_type=event_type, payload=payload
            )
        created = True
    except IntegrityError:
        event, created = WebhookEvent.objects.get(store=store, event_id=str(event_id)), False
    # A redelivery marks the cache again: the first delivery may have been recorded and
    # then failed (Redis down) before it could. Marking twice costs one more request.
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    read_cache.changed(store.pk, webhook_changes(event_type, data), own=False)
    webhook_object_keep(store=store, event_type=event_type, data=data, api_version=payload.get("api_version"))
    return event, created


def _object_id(value) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def _object_path(event_type: str, data: dict) -> str | None:
    """The Admin API path of the object an event is about (`orders/1042/`), if any."""
    kind = event_type.split(".", 1)[0]
    resource = _RESOURCES.get(kind)
    if resource is None or resource == "exports":
        return None
    object_id = _object_id(data.get("number" if kind == "order" else "id"))
    return f"{resource}/{object_id}/" if object_id else None


def webhook_changes(event_type: str, data: dict) -> list[str]:
    """What an event makes stale in the shared read cache (storeapi.cache): the object
    and its resource's lists, and an order's customer (their order count and total). A
    ticket comment or an order note written at the store arrives as `ticket.updated` /
    `order.updated` of its ticket or order."""
    kind = event_type.split(".", 1)[0]
    resource = _RESOURCES.get(kind)
    if resource is None:
        return []
    changes = read_cache.change_dependencies(
        resource, _object_id(data.get("number" if kind == "order" else "id")), data
    )
    if kind == "order" and isinstance(data.get("user"), dict):
        customer = _object_id(data["user"].get("id"))
        if customer is not None:
            changes.append(f"obj:users:{customer}")
    return changes


def webhook_object_keep(*, store: Store, event_type: str, data: dict, api_version) -> bool:
    """An event's `data` is the object as the Admin API shows it (same version): keep it
    as the cached answer for the object's own path, so that no operator's next view has
    to ask the store for what the store just told us. Kept only when at least as new as
    the answer already cached (deliveries can arrive late or out of order)."""
    path = _object_path(event_type, data)
    current = api_version == settings.STOREAPI_API_VERSION and event_type.endswith((".created", ".updated"))
    if path is None or not current:
        return False
    return read_cache.keep_newer(store.pk, path, data)


def webhook_event_process(*, event_id: int) -> bool:
    """Do what an event means, once. Returns whether this call processed it."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().select_related("store").filter(pk=event_id).first()
        if event is None or event.processed_at is not None:
            return False
        store = event.store
        payload = event.payload if isinstance(event.payload, dict) else {}
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
        event_type = event.event_type

        if event_type == "app.uninstalled":
            from .connect import store_mark_uninstalled

            if store.status != Store.Status.DISCONNECTED:
                store_mark_uninstalled(store=store)
        else:
            kind, _, action = event_type.partition(".")
            if action == "created" and kind in _COUNTED:
                new_count_bump(store, _COUNTED[kind])

        event.processed_at = timezone.now()
        event.payload = {}  # customer data is not kept longer than needed
        event.save(update_fields=["processed_at", "payload"])

    for receiver, result in signals.webhook_received.send_robust(
        sender=Store, store=store, event_type=event_type, data=data
    ):
        if isinstance(result, Exception):
            logger.error("A webhook_received receiver (%r) failed: %s", receiver, type(result).__name__)
    logger.info("Processed webhook %s %s of store %s.", event_type, event.event_id, store.subdomain)
    return True
