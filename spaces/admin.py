from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import Membership, Space


@admin.register(Space)
class SpaceAdmin(AuditedModelAdmin):
    list_display = ("name_de", "slug", "position")
    prepopulated_fields = {"slug": ("name_de",)}


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ("person", "space", "role", "represents", "since", "until", "ended_at")
    list_filter = ("space", "role")
    search_fields = ("person__user__email", "person__user__last_name")
    autocomplete_fields = ("person", "authority", "organisation")
    readonly_fields = ("ended_at", "invited_by")
    list_select_related = ("person__user", "space", "authority", "organisation")
