from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The admin is ITD's tool for reference data; nobody else gets in, whatever their flags."""

    site_header = _("Digitale Räume Hamburg – Verwaltung")
    site_title = _("Digitale Räume – Verwaltung")
    index_title = _("Stammdaten und Protokolle")

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "is_itd_staff", False))


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's admin site as the default site."""

    default_site = "core.admin_site.PortalAdminSite"
