from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import ClaimGrant


@admin.register(ClaimGrant)
class ClaimGrantAdmin(ReadOnlyLogAdmin):
    """The roles the identity provider's claims gave, read-only: they come and go with the
    claims at sign-in; ITD keeps the rules at /identity/claims/."""

    list_display = ("user", "grants", "claim", "space", "authority", "granted_at", "ended_at")
    list_filter = ("grants",)
    list_select_related = ("user", "space", "authority")
    search_fields = ("user__email", "claim")
    date_hierarchy = "granted_at"
