from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Thread


@admin.register(Thread)
class ThreadAdmin(ReadOnlyLogAdmin):
    """Read-only for ITD: discussions are moderated on their pages, where the checks and the
    audit trail are."""

    list_display = ("title", "space", "project", "author", "last_post_at", "locked_at", "hidden_at")
    list_filter = ("space",)
    search_fields = ("title",)
    list_select_related = ("space", "project", "author")
