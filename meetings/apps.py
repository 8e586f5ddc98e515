from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Termine")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register, and the space page (a lower
        # layer) learns of the next meetings and of new ones through its registry.
        from . import home, permissions  # noqa: F401

        home.register()
