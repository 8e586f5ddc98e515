from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InclusionConfig(AppConfig):
    name = "inclusion"
    verbose_name = _("Leichte Sprache und Gebärdensprache")

    def ready(self) -> None:
        # The rule tables register with the models.
        from . import permissions  # noqa: F401
