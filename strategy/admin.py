from django.contrib import admin

from core.admin import ReadOnlyLogAdmin

from .models import Goal, Round


@admin.register(Goal)
class GoalAdmin(ReadOnlyLogAdmin):
    """Goals, read-only: the strategy is written on its pages, where the permission checks and
    the audit trail are."""

    list_display = ("code", "title", "space")
    list_filter = ("space",)
    list_select_related = ("space",)
    search_fields = ("code", "title")


@admin.register(Round)
class RoundAdmin(ReadOnlyLogAdmin):
    """Reporting rounds, read-only: a frozen round cannot change at all (its database trigger),
    an open one changes through its pages."""

    list_display = ("name", "period_start", "period_end", "deadline", "status", "frozen_at")
    list_filter = ("status",)
    search_fields = ("name",)
