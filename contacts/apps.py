from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Kontakte")

    def ready(self) -> None:
        # The security log listens to sign-in, MFA and password events (issue 4).
        from . import receivers  # noqa: F401
