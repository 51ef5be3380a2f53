"""Stores connected to Storedesk and who may work in them."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from . import crypto
from .domains import validate_subdomain
from .roles import Perm, Role, role_allows


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.", code="invalid_timezone")


class Store(models.Model):
    """A store of the platform. Its credentials are only ever stored encrypted.

    Read the tokens through `access_token()` / `refresh_token()`; only `storeapi`
    does. They never appear in `repr`, forms, the admin or logs.
    """

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        DISCONNECTED = "disconnected", "Disconnected"

    subdomain = models.CharField(max_length=63, unique=True, validators=[validate_subdomain])
    name = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DISCONNECTED)
    scopes = models.TextField(blank=True, help_text="Granted scopes, space separated.")
    access_token_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    ENCRYPTED_FIELDS = ("access_token_encrypted", "refresh_token_encrypted", "webhook_secret_encrypted")

    class Meta:
        ordering = ["name", "subdomain"]

    def __str__(self):
        return self.name or self.subdomain

    def __repr__(self):
        return f"<Store {self.subdomain} {self.status}>"

    @property
    def display_name(self) -> str:
        return self.name or self.subdomain

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED

    @property
    def needs_reconnect(self) -> bool:
        """The store refused its token: an owner must reconnect it (a banner says so)."""
        return self.status == self.Status.NEEDS_RECONNECT

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    def webhook_secret(self) -> str:
        return crypto.decrypt(self.webhook_secret_encrypted)

    def set_tokens(self, *, access_token: str, refresh_token: str = "", expires_at=None) -> None:
        self.access_token_encrypted = crypto.encrypt(access_token)
        self.refresh_token_encrypted = crypto.encrypt(refresh_token)
        self.token_expires_at = expires_at

    def set_webhook_secret(self, secret: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt(secret)

    def wipe_credentials(self) -> None:
        self.access_token_encrypted = ""
        self.refresh_token_encrypted = ""
        self.token_expires_at = None
        self.webhook_secret_encrypted = ""

    def reencrypt_credentials(self) -> None:
        for field in self.ENCRYPTED_FIELDS:
            setattr(self, field, crypto.reencrypt(getattr(self, field)))

    def mark_connected(self, *, operator) -> None:
        self.status = self.Status.CONNECTED
        self.connected_by = operator
        self.connected_at = timezone.now()


class MembershipQuerySet(models.QuerySet):
    def for_operator(self, operator):
        if not operator.is_authenticated:
            return self.none()
        return self.filter(operator=operator).select_related("store")


class Membership(models.Model):
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["operator", "store"], name="one_membership_per_store")]
        ordering = ["store__name", "store__subdomain"]

    def __str__(self):
        return f"{self.operator} in {self.store} ({self.role})"

    def allows(self, perm: Perm) -> bool:
        return role_allows(self.role, perm)


class WebhookEvent(models.Model):
    """One webhook event a store delivered, kept to process it once.

    The unique (store, event_id) constraint is what makes a redelivered event (the
    platform retries for days) or three concurrent copies of it have one effect. The
    payload is dropped once processed; the row stays for de-duplication until
    STOREAPI_WEBHOOK_EVENT_RETENTION_DAYS have passed.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_events")
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["store", "event_id"], name="one_webhook_event_per_id")]

    def __str__(self):
        return f"{self.event_type} {self.event_id} ({self.store_id})"
