from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Publication


@admin.register(Publication)
class PublicationAdmin(ReadOnlyLogAdmin):
    """Publications, read-only: ITD marks and withdraws them on /open-data/manage/, where the
    permission check, the checks of the subject and the audit trail are."""

    list_display = ("title", "kind", "category", "published_at", "modified_at", "withdrawn_at")
    list_filter = ("kind", "category")
    search_fields = ("title", "slug")
