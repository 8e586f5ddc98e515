from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Kontakte")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; the security log listens to
        # sign-in, MFA, password, e-mail and session events.
        from core.personal_data import SELF_SERVICE

        from . import permissions, receivers  # noqa: F401

        # The privacy statement (core) links to the page of one's own data.
        SELF_SERVICE["url_name"] = "contacts:my_data"
