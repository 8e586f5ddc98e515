from django.contrib import admin

from core.admin import AuditedModelAdmin, ReadOnlyLogAdmin

from .models import Membership, Space


@admin.register(Space)
class SpaceAdmin(AuditedModelAdmin):
    list_display = ("name_de", "slug", "position")
    prepopulated_fields = {"slug": ("name_de",)}


@admin.register(Membership)
class MembershipAdmin(ReadOnlyLogAdmin):
    """Memberships change on the space's pages (spaces.services): sessions end, guests' access
    is capped, every change is audited. Here ITD only looks."""

    list_display = ("person", "space", "role", "represents", "since", "until", "ended_at")
    list_filter = ("space", "role")
    search_fields = ("person__user__email", "person__user__last_name")
    list_select_related = ("person__user", "space", "authority", "organisation")
