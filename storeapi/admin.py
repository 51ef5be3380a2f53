from django.contrib import admin

from .models import Membership, Store, WebhookEvent


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["operator"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    # The encrypted credentials are not editable and never shown.
    list_display = ["subdomain", "name", "currency", "timezone", "status", "connected_at"]
    list_filter = ["status"]
    search_fields = ["subdomain", "name"]
    fields = ["subdomain", "name", "currency", "timezone", "status", "scopes", "connected_by", "connected_at"]
    readonly_fields = ["scopes", "connected_by", "connected_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["operator", "store", "role", "created_at"]
    list_filter = ["role", "store"]
    search_fields = ["operator__email", "store__subdomain"]
    autocomplete_fields = ["operator", "store"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Read-only: what stores delivered and whether it was processed."""

    list_display = ["received_at", "store", "event_type", "event_id", "processed_at"]
    list_filter = ["event_type", "store"]
    search_fields = ["event_id"]
    fields = ["store", "event_type", "event_id", "received_at", "processed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
