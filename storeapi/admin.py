from django.contrib import admin

from .models import Membership, Store


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
