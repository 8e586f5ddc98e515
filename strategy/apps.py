from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = _("Strategie")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register, and the space and project
        # pages (lower layers) learn of the strategy through their registries.
        from . import home, permissions  # noqa: F401

        home.register()
