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
4. a Celery task (enqueued on commit) does the work: cache invalidation (objects and
   lists), the "new" counters, `app.uninstalled`, and the `webhook_received` signal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import cache as object_cache
from . import signals
from .crypto import DecryptionError
from .events import new_count_bump
from .models import Store, WebhookEvent

logger = logging.getLogger(__name__)

# event type prefix -> the counter it bumps on `.created`
_COUNTED = {"order": "orders", "customer": "customers", "ticket": "tickets"}
# event type prefix -> the API resource whose lists it changes (storeapi.cache.lists_changed)
_LISTED = {"order": "orders", "customer": "users", "ticket": "tickets"}


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
            return event, True
    except IntegrityError:
        return WebhookEvent.objects.get(store=store, event_id=str(event_id)), False


def _invalidations(event_type: str, data: dict) -> list[tuple[str, str]]:
    """The cached objects (resource, id) an event makes stale."""
    groups: list[tuple[str, str]] = []
    kind = event_type.split(".", 1)[0]

    def add(resource, value):
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            groups.append((resource, str(value)))

    if kind == "order":
        add("orders", data.get("number"))
        user = data.get("user")
        if isinstance(user, dict):
            add("users", user.get("id"))
    elif kind == "customer":
        add("users", data.get("id"))
    elif kind == "ticket":
        add("tickets", data.get("id"))
        add("orders", data.get("order"))
    elif kind == "export":
        add("exports", data.get("id"))
    return groups


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
            for resource, object_id in _invalidations(event_type, data):
                object_cache.invalidate(store.pk, resource, object_id)
            kind, _, action = event_type.partition(".")
            if kind in _LISTED:
                object_cache.lists_changed(store.pk, _LISTED[kind])
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
