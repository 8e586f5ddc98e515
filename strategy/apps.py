from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = _("Strategie")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; the space and project pages
        # (lower layers) learn of the strategy, and the report archive of the round report,
        # through their registries (they cannot import this app).
        from . import home, permissions, round_report  # noqa: F401

        home.register()
        round_report.register()
