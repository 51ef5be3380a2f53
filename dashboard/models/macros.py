from django.conf import settings
from django.db import models


class Macro(models.Model):
    """A canned reply: a body with variables (dashboard/macro_text.py), sent as a public
    reply or an internal note, with optional changes to the ticket's status, priority
    and tags.

    `store` set: usable on that store's tickets. `store` empty: an all-stores macro of
    its author, usable on a ticket of store S only while its author is a manager or owner
    of S (dashboard/selectors/macros.py): a manager's team-wide replies reach the stores
    they manage, and nobody else's.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", "Public reply"
        INTERNAL = "internal", "Internal note"

    name = models.CharField(max_length=100)
    body = models.TextField(max_length=20000)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PUBLIC)
    # Property changes made with the reply; empty: left as they are.
    status = models.CharField(max_length=20, blank=True)
    priority = models.CharField(max_length=20, blank=True)
    tags = models.JSONField(default=list, blank=True)  # tags added, never removed
    store = models.ForeignKey("storeapi.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=255, blank=True)  # kept if the author is deleted
    usage_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["store", "name"], name="macro_store_name")]

    def __str__(self):
        return self.name

    @property
    def is_all_stores(self) -> bool:
        return self.store_id is None

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.PUBLIC

    def property_changes(self) -> dict:
        """{"status": ..., "priority": ..., "tags": [...]} for what this macro changes."""
        changes = {}
        if self.status:
            changes["status"] = self.status
        if self.priority:
            changes["priority"] = self.priority
        if self.tags:
            changes["tags"] = list(self.tags)
        return changes
