from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Report


@admin.register(Report)
class ReportAdmin(ReadOnlyLogAdmin):
    """The archive, read-only: reports are requested, scheduled and downloaded on /reports/,
    where the permission checks are."""

    list_display = ("created_at", "kind", "format", "scope", "requested_by", "status", "size")
    list_filter = ("kind", "format", "status", "scope")
    list_select_related = ("requested_by",)
    exclude = ("file",)
