from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyLogAdmin):
    """Tokens, read-only: made by their owners, revoked on /accounts/tokens/ (ITD: /all/), so
    owner, scope and expiry cannot be changed here (netbox #22820); the hash is not shown."""

    list_display = ("name", "key_id", "owner", "can_write", "created_at", "expires_at")
    list_filter = ("can_write",)
    list_select_related = ("owner",)
    search_fields = ("name", "key_id", "owner__email")
    date_hierarchy = "created_at"
    fields = (
        "name",
        "key_id",
        "owner",
        "can_write",
        "limited_to_spaces",
        "spaces",
        "pepper_id",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
