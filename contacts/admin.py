from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin, ReadOnlyLogAdmin

from .models import Authority, DigitalOfficer, Invitation, Organisation, Person, User
from .services import user_access_changed


class PersonInline(admin.StackedInline):
    model = Person
    can_delete = False
    autocomplete_fields = ("authority", "organisation")


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    audited_fields = (
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_itd_staff",
        "is_staff",
        "is_superuser",
    )
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_itd_staff", "is_active", "last_login")
    list_filter = ("is_itd_staff", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    inlines = (PersonInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (
            _("Rechte"),
            {"fields": ("is_active", "is_itd_staff", "is_staff", "is_superuser", "groups")},
        ),
        (_("Daten"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    # Disabling an account or changing its role ends every session of it (issue 4).
    session_ending_fields = ("is_active", "is_itd_staff", "is_staff", "is_superuser")

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk:
            before = dict(
                User.objects.filter(pk=obj.pk).values(*self.session_ending_fields).first() or {}
            )
        super().save_model(request, obj, form, change)
        changes = {
            field: {"old": before[field], "new": getattr(obj, field)}
            for field in self.session_ending_fields
            if field in before and before[field] != getattr(obj, field)
        }
        if changes:
            user_access_changed(actor=request.user, user=obj, changes=changes, request=request)


@admin.register(Authority)
class AuthorityAdmin(AuditedModelAdmin):
    list_display = ("code", "name_de", "kind", "parent", "valid_from", "valid_until")
    list_filter = ("kind",)
    search_fields = ("code", "name_de", "name_en")
    filter_horizontal = ("predecessors",)
    autocomplete_fields = ("parent",)


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "website")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    list_display = ("__str__", "function", "authority", "organisation")
    list_filter = ("authority",)
    search_fields = ("user__email", "user__first_name", "user__last_name", "function")
    autocomplete_fields = ("user", "authority", "organisation")
    list_select_related = ("user", "authority", "organisation")


@admin.register(DigitalOfficer)
class DigitalOfficerAdmin(AuditedModelAdmin):
    list_display = ("person", "authority", "role", "since", "until")
    list_filter = ("role", "authority")
    autocomplete_fields = ("person", "authority")
    list_select_related = ("person__user", "authority")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made and managed on the portal's pages (the e-mail goes out there)."""

    list_display = ("email", "space", "role", "until", "invited_by", "created_at", "accepted_at")
    list_filter = ("role", "space")
    search_fields = ("email", "first_name", "last_name")
    list_select_related = ("space", "invited_by")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- allauth's account models: read-only here ---------------------------------------------------
# Second factors, e-mail addresses and sessions change only through the portal's own pages
# (/accounts/...), where the person re-authenticates and every change reaches the security log.
# In the admin ITD sees that they exist, never their secrets (security audit, finding 1).
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
