from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Programmierschnittstelle (API)")

    def ready(self) -> None:
        # The schema's description of the ways in (drf-spectacular extensions register on import).
        from . import schema  # noqa: F401
