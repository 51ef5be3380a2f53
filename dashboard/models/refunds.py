"""Refunds confirmed through Storedesk: one row per confirmation form (its idempotency key).

The row is written under the key *before* the store is asked to refund, so a second
confirmation of the same form (a double click, a retried request, a colleague with the
same page) finds it and never refunds twice: it is answered with the first one's result.
A confirmation that refunded nothing for sure (the amount changed, the store refused)
gives its key back; one whose answer was lost stays "unknown" until someone looks at the
order, because the money may have moved.
"""

from django.conf import settings
from django.db import models


class OrderRefund(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Being refunded"  # the key is taken, the store is being asked
        REFUNDED = "refunded", "Refunded"
        UNKNOWN = "unknown", "No answer from the store"  # the refund may have been made

    key = models.UUIDField(unique=True)
    store = models.ForeignKey("storeapi.Store", on_delete=models.CASCADE, related_name="+")
    order_number = models.CharField(max_length=32)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    operator_email = models.EmailField(blank=True)  # who confirmed it, kept if the operator goes
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # What was confirmed (lines, shipping, restock): a second confirmation with the same
    # key must ask for the same refund.
    request = models.JSONField(default=dict, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    refund_id = models.CharField(max_length=64, blank=True)  # the store's id of the refund
    error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["store", "order_number"])]

    def __str__(self):
        return f"{self.store_id}:{self.order_number} {self.amount} ({self.state})"
