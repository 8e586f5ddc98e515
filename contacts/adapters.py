import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.models import SecurityEvent
from core.services import security_log


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: accounts are created by ITD staff or by invitation."""

    def is_open_for_signup(self, request) -> bool:
        return False

    # --- Sign-in hardening (issue 4) ---

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Zu viele fehlgeschlagene Anmeldeversuche für diese Adresse. Zum Schutz des Kontos "
            "ist die Anmeldung vorübergehend gesperrt. Bitte versuchen Sie es in 15 Minuten "
            "erneut oder setzen Sie Ihr Passwort zurück."
        ),
    }

    def authentication_failed(self, request, **credentials) -> None:
        security_log(
            kind=SecurityEvent.Kind.LOGIN_FAILED,
            request=request,
            label=str(credentials.get("email", "")),
        )

    def pre_authenticate(self, request, **credentials) -> None:
        """Too many failed attempts for an address lock it for a while (ACCOUNT_RATE_LIMITS)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            security_log(
                kind=SecurityEvent.Kind.RATE_LIMITED,
                request=request,
                label=str(credentials.get("email", "")),
                action="login_failed",
            )
            raise

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """E-mail, password and MFA changes need a fresh password (or code). For the second
        factor a sign-in within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds counts as fresh, so the
        enrolment the portal demands right after sign-in, and the recovery codes it shows next,
        do not ask for the password a second time."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = self.request
        if not (required and app == "allauth.mfa" and request is not None):
            return required
        records = get_authentication_records(request, request.user)
        signed_in_at = records[-1].get("at", 0) if records else 0
        return time.time() - signed_in_at >= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


class MFAAdapter(DefaultMFAAdapter):
    """Clear messages, and no way out of the second factor for those who must have one."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _(
            "Dieser Code ist falsch oder wurde bereits verwendet. Bitte geben Sie den aktuellen "
            "Code aus Ihrer Authenticator-App ein (er wechselt alle 30 Sekunden)."
        ),
        "cannot_delete_authenticator": _(
            "Für Ihre Rolle ist die Zwei-Faktor-Authentisierung vorgeschrieben: "
            "Sie können sie nicht abschalten."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        from .security import MFA_TYPES, mfa_required

        if authenticator.type not in MFA_TYPES or not mfa_required(authenticator.user):
            return True
        others = type(authenticator).objects.filter(
            user_id=authenticator.user_id, type__in=MFA_TYPES
        )
        return others.exclude(pk=authenticator.pk).exists()
