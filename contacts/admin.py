from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin

from .models import Authority, DigitalOfficer, Organisation, Person, User


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
