"""Celery tasks of storeapi: thin, they take ids and call a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import WebhookEvent
from .webhooks import webhook_event_process

logger = logging.getLogger(__name__)


@shared_task(
    name="storeapi.tasks.webhook_process",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def webhook_process(event_id: int) -> bool:
    return webhook_event_process(event_id=event_id)


def webhook_process_enqueue(event_id: int) -> None:
    transaction.on_commit(lambda: webhook_process.delay(event_id))


@shared_task(name="storeapi.tasks.webhook_events_prune")
def webhook_events_prune() -> dict:
    """Forget old event ids; send events stuck unprocessed (a lost task) round again."""
    now = timezone.now()
    cutoff = now - timedelta(days=settings.STOREAPI_WEBHOOK_EVENT_RETENTION_DAYS)
    deleted, _ = WebhookEvent.objects.filter(received_at__lt=cutoff).delete()
    stuck = list(
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=now - timedelta(minutes=10))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in stuck:
        webhook_process.delay(pk)
    if deleted or stuck:
        logger.info("Webhook events: %d forgotten, %d sent round again.", deleted, len(stuck))
    return {"deleted": deleted, "requeued": len(stuck)}
