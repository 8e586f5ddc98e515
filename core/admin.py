"""Admin building blocks: every change made in the admin lands in the audit trail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest

from .audiences import Actor
from .models import AuditEntry, SecurityEvent
from .services import audit_record, diff, snapshot


def admin_actor(request: HttpRequest) -> Actor:
    """Who works in the admin: a signed-in account (the admin site lets only ITD staff in)."""
    user = request.user
    assert user.is_authenticated, "the admin site is for signed-in ITD staff only"
    return user


# The values before an admin save, kept on the request until the related objects are saved.
_BEFORE = "_audit_before"


class AuditedModelAdmin(admin.ModelAdmin):
    """Records who changed what (old and new values) for every save and delete in the admin."""

    audited_fields: tuple[str, ...] = ()

    def _audited(self) -> tuple[str, ...]:
        if self.audited_fields:
            return self.audited_fields
        return tuple(
            f.name
            for f in self.model._meta.get_fields()
            if f.concrete and not f.auto_created and f.name != "password"
        )

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm[Any], change: bool
    ) -> None:
        before: dict[str, Any] = {}
        if change and obj.pk:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            if previous is not None:
                before = snapshot(previous, self._audited())
        setattr(request, _BEFORE, before)
        super().save_model(request, obj, form, change)

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Any],
        formsets: list[BaseFormSet[Any]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        after = snapshot(obj, self._audited())
        audit_record(
            actor=request.user,
            instance=obj,
            action=AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE,
            changes=diff(getattr(request, _BEFORE, {}), after),
        )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        audit_record(
            actor=request.user,
            instance=obj,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(obj, self._audited()), {}),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Logs are written by the portal only: ITD reads them, nobody edits or deletes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "actor_label", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_label")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "kind", "user_label", "ip")
    list_filter = ("kind",)
    search_fields = ("user_label",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SecurityEvent._meta.fields]
