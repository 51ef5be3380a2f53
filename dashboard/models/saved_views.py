"""Saved views: a named, filtered orders list or inbox, of one store or of all stores.

A view keeps the filters as the list's filter form cleaned them (a normalised query
string, never what was typed into the URL); the list's form validates them again each
time the view is opened, so a view saved before a filter changed still opens.

Who sees a view (dashboard.selectors.saved_views): its owner always; a shared view of
one store, every member of that store; a shared view of all stores, every operator who
is a member of at least one store that the owner is also a member of (a colleague).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class SavedView(models.Model):
    class Kind(models.TextChoices):
        ORDERS = "orders", "Orders"
        TICKETS = "tickets", "Tickets"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # One store, or null for the all-stores list.
    store = models.ForeignKey("storeapi.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The filters, as the list's filter form cleaned them ("status=open&tags=vip").
    query = models.CharField(max_length=2000, blank=True)
    shared = models.BooleanField(default=False)
    # The owner's order of their views in the navigation (lowest first).
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["owner", "position"])]
        # One name per list of an owner, whatever its case: the navigation shows a view
        # by its name, its list and its store, so two alike could not be told apart (and
        # a double-clicked "Save" would keep two). Two partial constraints, as below.
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                "kind",
                "store",
                condition=models.Q(store__isnull=False),
                name="one_view_name_per_store_list",
            ),
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                "kind",
                condition=models.Q(store__isnull=True),
                name="one_view_name_per_all_stores_list",
            ),
        ]

    def __str__(self):
        return self.name


class DefaultView(models.Model):
    """The view an operator's list opens with when its URL asks for nothing: one per
    operator and list (orders or tickets of one store, or of all stores)."""

    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=SavedView.Kind.choices)
    store = models.ForeignKey("storeapi.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, related_name="+")

    class Meta:
        # One per list: a store's list, or the all-stores list (store null). Two partial
        # constraints rather than `nulls_distinct=False`, which SQLite (the demo) lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "kind", "store"],
                condition=models.Q(store__isnull=False),
                name="one_default_view_per_store_list",
            ),
            models.UniqueConstraint(
                fields=["operator", "kind"],
                condition=models.Q(store__isnull=True),
                name="one_default_view_per_all_stores_list",
            ),
        ]

    def __str__(self):
        return f"{self.operator_id} {self.kind} {self.store_id}: {self.view_id}"
