from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Berichte")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register, the system check too.
        from . import checks, permissions  # noqa: F401
