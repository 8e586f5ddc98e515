from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Dienstkonto (Single Sign-on)")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; the sign-in asks this app
        # whether the identity provider has already checked a second factor, the logout where
        # to go on to, the role lists which roles came from a claim, and a provider sign-in is
        # recorded with the provider's session.
        from django.contrib.auth.signals import user_logged_in

        from contacts import security
        from core import role_origins

        from . import permissions  # noqa: F401 - registers the rule tables
        from .claims import provider_vouched_for_second_factor
        from .logout import end_session_url
        from .receivers import on_logged_in
        from .selectors import roles_from_claims

        if provider_vouched_for_second_factor not in security.SECOND_FACTOR_BY_PROVIDER:
            security.SECOND_FACTOR_BY_PROVIDER.append(provider_vouched_for_second_factor)
        # The portal's logout leads on to the provider's (RP-initiated logout).
        if end_session_url not in security.LOGOUT_DESTINATIONS:
            security.LOGOUT_DESTINATIONS.append(end_session_url)
        # The lists of members and officers mark the roles a claim gave (role_origins).
        role_origins.register(roles_from_claims)
        user_logged_in.connect(on_logged_in, dispatch_uid="identity_provider_session")
