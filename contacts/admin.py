"""ITD's admin for accounts and reference data. Every change goes through the same services as
the portal's pages, so the audit trail, the security log and the end of sessions follow."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin, ReadOnlyLogAdmin, admin_actor

from . import services
from .models import Authority, DigitalOfficer, Organisation, Person, User


class PersonInline(admin.StackedInline):
    model = Person
    can_delete = False
    autocomplete_fields = ("authority", "organisation")
    fields = ("function", "phone", "authority", "organisation")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_itd_staff", "is_active", "last_login")
    list_filter = ("is_itd_staff", "is_active", "is_staff", "invited_account")
    search_fields = ("email", "first_name", "last_name")
    inlines = (PersonInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (
            _("Rechte"),
            {"fields": ("is_active", "is_itd_staff", "is_staff", "is_superuser", "groups")},
        ),
        (_("Daten"), {"fields": ("last_login", "date_joined", "invited_account")}),
    )
    readonly_fields = ("last_login", "date_joined", "invited_account")
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Audited; disabling the account or changing its rights ends its sessions.
        services.user_save(actor=admin_actor(request), user=obj, request=request)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for person in formset.save(commit=False):
            services.person_save(actor=admin_actor(request), person=person, request=request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are anonymised (Meine Daten, retention), never deleted: history points to them.
        return False


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_de", "kind", "parent", "valid_from", "valid_until")
    list_filter = ("kind",)
    search_fields = ("code", "name_de", "name_en")
    filter_horizontal = ("predecessors",)
    autocomplete_fields = ("parent",)

    def save_model(self, request: HttpRequest, obj: Authority, form: Any, change: bool) -> None:
        """Saved with its predecessors in save_related, in one audited service call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.authority_save(
            actor=admin_actor(request),
            authority=form.instance,
            predecessors=form.cleaned_data.get("predecessors", []),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Reorganisations keep history: an authority ends with "valid until", it is not deleted.
        return False


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "website")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(ReadOnlyLogAdmin):
    """People are edited with their account (Konten) or by themselves (Mein Profil)."""

    list_display = ("__str__", "function", "authority", "organisation")
    list_filter = ("authority",)
    search_fields = ("user__email", "user__first_name", "user__last_name", "function")
    list_select_related = ("user", "authority", "organisation")
    exclude = ("phone",)


@admin.action(description=_("Benennung heute beenden"))
def end_officer_roles(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    for officer in queryset.filter(ended_at__isnull=True):
        services.officer_end(actor=admin_actor(request), officer=officer)
    messages.success(request, _("Die Benennungen wurden beendet."))


@admin.register(DigitalOfficer)
class DigitalOfficerAdmin(admin.ModelAdmin):
    list_display = ("person", "authority", "role", "since", "until", "ended_at")
    list_filter = ("role", "authority")
    autocomplete_fields = ("person", "authority")
    list_select_related = ("person__user", "authority")
    readonly_fields = ("ended_at",)
    actions = (end_officer_roles,)

    def save_model(
        self, request: HttpRequest, obj: DigitalOfficer, form: Any, change: bool
    ) -> None:
        # Audited; the officer signs in again (a second factor is required for officers).
        services.officer_save(actor=admin_actor(request), officer=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- allauth's account models: read-only here ---------------------------------------------------
# Second factors, e-mail addresses and sessions change only through the portal's own pages
# (/accounts/...), where the person re-authenticates and every change reaches the security log.
# In the admin ITD sees that they exist, never their secrets.
for model in (Authenticator, EmailAddress, EmailConfirmation, UserSession):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyLogAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    # `data` holds the (encrypted) TOTP secret and recovery-code seed: never shown.
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields


@admin.register(EmailAddress)
class EmailAddressAdmin(ReadOnlyLogAdmin):
    list_display = ("email", "user", "primary", "verified")
    list_filter = ("primary", "verified")
    search_fields = ("email", "user__email")
    list_select_related = ("user",)
    fields = ("user", "email", "primary", "verified")
    readonly_fields = fields


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyLogAdmin):
    list_display = ("user", "created_at", "last_seen_at", "ip")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    # The session key would let whoever reads it take over the session: never shown.
    fields = ("user", "created_at", "last_seen_at", "ip", "user_agent")
    readonly_fields = fields
