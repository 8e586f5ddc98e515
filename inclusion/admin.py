from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import EasyText, RequestCount, SignOff, Video


@admin.register(EasyText)
class EasyTextAdmin(ReadOnlyLogAdmin):
    """Read-only: ITD edits the texts on /leichte-sprache/verwalten/, where the checker, the
    sign-off and the audit trail are."""

    list_display = ("item", "title", "status", "updated_at")


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyLogAdmin):
    list_display = ("text", "readers", "checked_on", "recorded_at")


@admin.register(Video)
class VideoAdmin(ReadOnlyLogAdmin):
    """Read-only: uploads go through /gebaerdensprache/verwalten/ (ffprobe's checks)."""

    list_display = ("item", "width", "height", "fps", "duration", "size", "uploaded_at")
    exclude = ("captions",)


@admin.register(RequestCount)
class RequestCountAdmin(ReadOnlyLogAdmin):
    list_display = ("day", "path", "kind", "count")
    list_filter = ("kind",)
