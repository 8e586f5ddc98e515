from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Zugang und Einladungen")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register, and the account layer learns who
        # must use a second factor and which sign-ins to refuse (its two hooks).
        from contacts import security

        from .permissions import mfa_required
        from .views import refuse_ended_access

        security.SECOND_FACTOR_REQUIRED.append(mfa_required)
        security.SIGN_IN_CHECKS.append(refuse_ended_access)
