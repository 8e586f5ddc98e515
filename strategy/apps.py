from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = _("Strategie")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; the round report joins the
        # report archive (reports.registry: reports cannot import this app).
        from . import permissions, round_report  # noqa: F401

        round_report.register()
