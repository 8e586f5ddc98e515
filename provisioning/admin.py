from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import ScimGroup, ScimUser


@admin.register(ScimUser)
class ScimUserAdmin(ReadOnlyLogAdmin):
    """Read-only: the identity management writes these by SCIM, ITD reads them here."""

    list_display = ("user_name", "user", "external_id", "created_at", "deleted_at")
    list_select_related = ("user",)
    search_fields = ("user_name", "external_id", "user__email")
    fields = (
        "scim_id",
        "user",
        "user_name",
        "external_id",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    readonly_fields = fields


@admin.register(ScimGroup)
class ScimGroupAdmin(ReadOnlyLogAdmin):
    list_display = ("display_name", "external_id", "updated_at")
    search_fields = ("display_name", "external_id")
    fields = ("scim_id", "display_name", "external_id", "members", "created_at", "updated_at")
    readonly_fields = fields
