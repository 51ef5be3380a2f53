from django.contrib import admin

from .models import AuditEntry, Job, PhoneOrder


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log cannot be edited or deleted."""

    list_display = ["created_at", "operator_email", "store", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "store"]
    search_fields = ["operator_email", "object_id", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs change through their tasks; cancel from the exports page."""

    list_display = ["created_at", "owner", "kind", "resource", "action", "format", "status", "rows_total"]
    list_filter = ["kind", "status", "format", "source"]
    search_fields = ["owner__email", "error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PhoneOrder)
class PhoneOrderAdmin(admin.ModelAdmin):
    """Read-only: phone orders change through the new-order page and the store's answers."""

    list_display = ["created_at", "store", "order_number", "operator", "state", "payment", "payment_status", "total"]
    list_filter = ["state", "payment", "payment_status", "store"]
    search_fields = ["order_number", "customer_label", "operator__email"]
    exclude = ["return_token"]  # the secret part of the return URL

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
