from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projekte")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register.
        from . import permissions  # noqa: F401
