from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Invitation, Operator


@admin.register(Operator)
class OperatorAdmin(UserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_superuser", "date_joined", "last_login"]
    search_fields = ["email", "name"]
    list_filter = ["is_active", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Sent invitations are read-only. "Add" sends a new one (store, address, role),
    by e-mail and audited, as the members page does: how a superuser invites the first
    owner of a store (or `manage.py invite_operator`)."""

    list_display = ["email", "store", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "store"]
    search_fields = ["email"]
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "token_hash"]
    exclude = ["token_hash"]

    add_fields = ["store", "email", "role"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # read-only
        from dashboard.services.members import invitation_send

        sent = invitation_send(operator=request.user, store=obj.store, email=obj.email, role=obj.role)
        obj.pk, obj.token_hash, obj.created_at, obj.expires_at = (
            sent.pk,
            sent.token_hash,
            sent.created_at,
            sent.expires_at,
        )
        self.message_user(request, f"Invitation e-mailed to {sent.email}.")
