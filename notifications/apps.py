from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Benachrichtigungen")

    def ready(self) -> None:
        # Models are ready only now: the rule table registers, and the outbox subscribes to
        # the domain events of the layers below (core.events).
        from . import permissions, receivers  # noqa: F401

        receivers.connect()
