from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "opendata"
    verbose_name = _("Offene Daten")

    def ready(self) -> None:
        # The rule table registers with the models.
        from . import permissions  # noqa: F401
