from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Meeting, MeetingFile


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyLogAdmin):
    """Meetings, read-only: they are scheduled, changed and cancelled in the space, where the
    permission checks and the notices are."""

    list_display = ("title", "space", "starts_at", "ends_at", "cancelled_at", "sequence")
    list_filter = ("space",)
    list_select_related = ("space",)
    search_fields = ("title",)


@admin.register(MeetingFile)
class MeetingFileAdmin(ReadOnlyLogAdmin):
    """The files of agendas and minutes, read-only: they are added, downloaded and removed on
    the meeting's pages, where the permission checks are; the admin never serves a file."""

    list_display = ("original_name", "meeting", "part", "content_type", "size", "uploaded_at")
    list_filter = ("part",)
    list_select_related = ("meeting",)
    search_fields = ("original_name", "meeting__title")
    exclude = ("file",)
