from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Zugang und Einladungen")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register, and the account layer learns who
        # must use a second factor and which sign-ins to refuse (its two hooks).
        from contacts import security
        from spaces import home

        from .home import space_links
        from .permissions import mfa_required
        from .views import refuse_ended_access

        security.SECOND_FACTOR_REQUIRED.append(mfa_required)
        security.SIGN_IN_CHECKS.append(refuse_ended_access)
        # Who manages a space invites people from its pages (spaces.home's hook).
        for link in space_links():
            home.register_manage_link(link)
