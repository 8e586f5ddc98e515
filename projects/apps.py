from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projekte")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; the space page shows the
        # space's projects and their news (spaces.home).
        from . import home, permissions  # noqa: F401

        home.register()
