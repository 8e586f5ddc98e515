from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = _("Strategie")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register.
        from . import permissions  # noqa: F401
