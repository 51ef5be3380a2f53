"""Orders taken by phone or e-mail: one row per submission of the new-order form.

The row is written under the form's idempotency key *before* the store is asked to
create the order, so a double click or a retried request finds it and never creates
a second order. It then records the order the store created, and how it is paid: a
payment link (PayPal one-click) whose outcome the store posts back to
`/payments/return/<return_token>/`, or a payment taken outside the platform.
"""

import secrets

from django.conf import settings
from django.db import models


def new_return_token() -> str:
    return secrets.token_urlsafe(32)


class PhoneOrder(models.Model):
    class State(models.TextChoices):
        RESERVED = "reserved", "Being placed"  # the key is taken, the store is being asked
        CREATED = "created", "Created"
        REFUSED = "refused", "Refused by the store"  # nothing was created: the form may be sent again
        UNKNOWN = "unknown", "No answer from the store"  # the order may exist: checked before any retry

    class Payment(models.TextChoices):
        LINK = "link", "Payment link (PayPal)"
        EXTERNAL = "external", "Paid outside the store"

    class ExternalMethod(models.TextChoices):
        """How the buyer paid outside the store (the label goes to the store with the order)."""

        CASH = "cash", "Cash"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CHECK = "check", "Check"
        CARD_TERMINAL = "card_terminal", "Card terminal"
        OTHER = "other", "Other"

    class PaymentStatus(models.TextChoices):
        NONE = "", "—"
        AWAITING = "awaiting", "Waiting for the buyer"
        PAID = "paid", "Paid"
        FAILED = "failed", "Payment failed"

    key = models.UUIDField(unique=True)
    store = models.ForeignKey("storeapi.Store", on_delete=models.CASCADE, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.RESERVED)
    error = models.CharField(max_length=1000, blank=True)

    customer_id = models.PositiveBigIntegerField(null=True, blank=True)
    customer_label = models.CharField(max_length=300, blank=True)
    customer_email = models.EmailField(blank=True)
    request = models.JSONField(default=dict, blank=True)  # what was sent to the store (no secrets)

    order_number = models.CharField(max_length=32, blank=True, db_index=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)

    payment = models.CharField(max_length=16, choices=Payment.choices)
    external_method = models.CharField(max_length=64, blank=True)  # an ExternalMethod, or empty
    external_reference = models.CharField(max_length=255, blank=True)
    payment_url = models.URLField(max_length=1000, blank=True)  # the store's payment_complete_url
    return_token = models.CharField(max_length=64, unique=True, default=new_return_token)
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, blank=True)
    payment_checked_at = models.DateTimeField(null=True, blank=True)
    # What the store's API said when the payment was last verified.
    payment_detail = models.JSONField(default=dict, blank=True)
    link_emailed_at = models.DateTimeField(null=True, blank=True)
    # When the operator who created the order was told how the payment ended.
    notified_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["store", "order_number"]),
            models.Index(fields=["operator", "notified_at"]),
        ]

    def __str__(self):
        return f"{self.store_id}:{self.order_number or self.key} ({self.state})"

    @property
    def awaiting_payment(self) -> bool:
        return self.payment_status == self.PaymentStatus.AWAITING

    @property
    def payment_ended(self) -> bool:
        return self.payment_status in (self.PaymentStatus.PAID, self.PaymentStatus.FAILED)
