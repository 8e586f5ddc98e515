from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Invitation


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyLogAdmin):
    """Invitations are made and managed on the portal's pages (the e-mail goes out there)."""

    list_display = ("email", "space", "project", "role", "until", "invited_by", "created_at")
    list_filter = ("role", "space")
    search_fields = ("email", "first_name", "last_name")
    list_select_related = ("space", "project", "invited_by")
    exclude = ("token_hash",)
