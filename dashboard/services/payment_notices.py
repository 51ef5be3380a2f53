"""Ended payment links are announced once: shown to the operator who created the order,
they are marked as seen. The reads are in `dashboard.selectors.phone_orders`."""

from __future__ import annotations

from django.utils import timezone

from ..models import PhoneOrder
from ..selectors.phone_orders import phone_order_notices


def phone_orders_mark_notified(phone_orders) -> None:
    """The ended payments among `phone_orders` were shown to their operator: no notice
    for them later."""
    ended = [p.pk for p in phone_orders if p.payment_ended and not p.notified_at]
    if ended:
        PhoneOrder.objects.filter(pk__in=ended).update(notified_at=timezone.now())


def phone_order_notices_take(*, operator) -> dict:
    """Like `phone_order_notices`, and the ended payments count as shown from now on."""
    notices = phone_order_notices(operator=operator)
    phone_orders_mark_notified(notices["ended"])
    return notices
