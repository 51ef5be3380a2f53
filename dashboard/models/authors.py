from django.conf import settings
from django.db import models


class OperatorAuthorship(models.Model):
    """Which operator wrote a ticket comment (a public reply or an internal note), an
    order note or a customer note that Storedesk created in a store. The store records
    the app's store user as its author, whoever of the team wrote it; this row lets the
    page say "Ana · via Storedesk"."""

    class Kind(models.TextChoices):
        TICKET_COMMENT = "ticket_comment", "Ticket comment"
        ORDER_NOTE = "order_note", "Order note"
        CUSTOMER_NOTE = "customer_note", "Customer note"

    store = models.ForeignKey("storeapi.Store", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TICKET_COMMENT)
    parent_id = models.CharField(max_length=64)  # the ticket, order (number) or customer it is on
    object_id = models.CharField(max_length=64)  # the comment or note, as the store numbers it
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The operator's name when they wrote it: kept if the operator is deleted later.
    operator_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "object_id"], name="authorship_unique_per_store_object")
        ]
        indexes = [models.Index(fields=["store", "kind", "parent_id"], name="authorship_parent")]

    def __str__(self):
        return f"{self.kind} {self.object_id} by {self.operator_name}"
