from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyLogAdmin):
    """Read-only: documents are uploaded, downloaded and deleted in the portal, where the
    permission checks are; the admin never serves a file."""

    list_display = ("title", "space", "project", "created_by", "updated_at", "deleted_at")
    list_filter = ("space",)
    list_select_related = ("space", "project", "created_by")
    search_fields = ("title",)
