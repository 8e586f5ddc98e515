from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The admin is ITD's tool for reference data; nobody else gets in, whatever their flags."""

    site_header = _("Digitale Räume Hamburg – Verwaltung")
    site_title = _("Digitale Räume – Verwaltung")
    index_title = _("Stammdaten und Protokolle")

    def has_permission(self, request: HttpRequest) -> bool:
        # The app list imports this module before the models (which core.audiences needs) are
        # ready. Imported here: so the rule table is read only when the admin is used.
        from .permissions import can

        return can(request.user, "use_admin")

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """One sign-in for the whole portal: the admin uses allauth's, with its second factor
        and its lock-out after repeated failures, instead of Django's own login form."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index")
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(next_url)
            raise PermissionDenied
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")

    # A redirect where Django's admin renders its own form (a TemplateResponse, says its type).
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Passwords change in one place, with re-authentication, limits and the security log."""
        return redirect("account_change_password")


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's admin site as the default site."""

    default_site = "core.admin_site.PortalAdminSite"
