from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Dienstkonto (Single Sign-on)")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; the sign-in asks this app
        # whether the identity provider has already checked a second factor.
        from contacts import security

        from . import permissions  # noqa: F401 - registers the rule tables
        from .claims import provider_vouched_for_second_factor

        if provider_vouched_for_second_factor not in security.SECOND_FACTOR_BY_PROVIDER:
            security.SECOND_FACTOR_BY_PROVIDER.append(provider_vouched_for_second_factor)
