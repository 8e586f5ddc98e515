from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top of the house: landing page, dashboard, navigation, demo data."""

    name = "portal"
    verbose_name = _("Portal")
