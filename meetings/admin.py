from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Meeting


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyLogAdmin):
    """Meetings, read-only: they are scheduled, changed and cancelled in the space, where the
    permission checks and the notices are."""

    list_display = ("title", "space", "starts_at", "ends_at", "cancelled_at", "sequence")
    list_filter = ("space",)
    list_select_related = ("space",)
    search_fields = ("title",)
