from django.contrib import admin

from .models import Membership, Store, WebhookEvent


def _audit_membership(request, membership: Membership, action: str) -> None:
    """Memberships changed in the admin land in the store's audit log like any other."""
    from dashboard.audit import audit_record

    audit_record(
        operator=request.user,
        store=membership.store,
        action=action,
        object_type="membership",
        object_id=membership.operator.email,
        summary=f"{membership.operator.email}: {membership.role} (in the admin)",
        details={"operator_id": membership.operator_id, "role": membership.role, "admin": True},
    )


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

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            for membership in formset.new_objects:
                _audit_membership(request, membership, "member.added")
            for membership, _ in formset.changed_objects:
                _audit_membership(request, membership, "member.role_changed")
            for membership in formset.deleted_objects:
                _audit_membership(request, membership, "member.removed")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["operator", "store", "role", "created_at"]
    list_filter = ["role", "store"]
    search_fields = ["operator__email", "store__subdomain"]
    autocomplete_fields = ["operator", "store"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_membership(request, obj, "member.role_changed" if change else "member.added")

    def delete_model(self, request, obj):
        _audit_membership(request, obj, "member.removed")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("operator", "store"):
            _audit_membership(request, membership, "member.removed")
        super().delete_queryset(request, queryset)


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
