from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Diskussionen")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; the space page and the project
        # page learn what this app shows on them (spaces.home, projects.page).
        from . import home, permissions  # noqa: F401

        home.register()
