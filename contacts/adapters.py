from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.stagekit import clear_login

# allauth's own adapter counts sign-in failures with this module; the portal splits its two
# limits (per address, per network address) to say which one was hit.
from allauth.core.internal import ratelimit as _ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.audiences import Actor
from core.limits import LimitExceeded
from core.models import SecurityEvent
from core.services import security_log

from .security import MFA_TYPES, logout_destination, mfa_required, sign_in_refusal

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

# Failed password checks per network address (ACCOUNT_RATE_LIMITS); "login_failed" counts them
# per e-mail address (the lock-out).
LOGIN_FAILED_IP = "login_failed_ip"


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: accounts are created by ITD staff or by invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        """allauth asks before it ends the session: a sign-in through the identity provider
        goes on to the provider's logout (identity app), every other to the start page."""
        return logout_destination(request) or str(super().get_logout_redirect_url(request))

    def get_login_stages(self) -> list[str]:
        """allauth's steps of a sign-in, with the second-factor step that knows the identity
        provider's assertion (contacts.stages)."""
        return [
            "contacts.stages.AuthenticateStage"
            if path == "allauth.mfa.stages.AuthenticateStage"
            else path
            for path in super().get_login_stages()
        ]

    # --- Sign-in hardening ---

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        security_log(
            kind=SecurityEvent.Kind.LOGIN_FAILED,
            request=request,
            label=str(credentials.get("email", "")),
        )

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Every password check counts here (sign-in, admin, re-authentication, invitation
        links, account deletion): one counter of failures per address, which locks it after
        five for 15 minutes, and one per network address. Either limit answers 429 naming it.
        """
        address = str(credentials.get("email", "")).lower()
        per_ip = _ratelimit.consume(request, app="allauth.account", action=LOGIN_FAILED_IP)
        if not per_ip:
            self._refuse(request, address, "ip")
        per_address = _ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed",
            key=self._get_login_attempts_cache_key(request, **credentials),
        )
        if not per_address:
            per_ip.rollback()
            self._refuse(request, address, "address")
        # Rolled back on success (allauth's authenticate), so only failures count.
        self._login_failed_rl_usage = _ratelimit.RateLimitUsage(
            usage=[*per_ip.usage, *per_address.usage]
        )

    def _refuse(self, request: HttpRequest, address: str, limit: str) -> None:
        security_log(
            kind=SecurityEvent.Kind.RATE_LIMITED,
            request=request,
            label=address,
            action="login_failed",
            limit=limit,
        )
        if limit == "ip":
            raise LimitExceeded(
                str(
                    _(
                        "fehlgeschlagene Anmeldeversuche von Ihrem Anschluss (höchstens 10 je "
                        "Minute); bitte warten Sie eine Minute"
                    )
                )
            )
        raise LimitExceeded(
            str(
                _(
                    "Anmeldeversuche für diese E-Mail-Adresse: nach fünf Fehlversuchen ist sie "
                    "15 Minuten gesperrt, auch für das richtige Passwort. Sie können in der Zeit "
                    "Ihr Passwort zurücksetzen"
                )
            )
        )

    def pre_login(self, request: HttpRequest, user: Actor, **kwargs: Any) -> HttpResponse | None:
        """The access app may refuse a sign-in (an account whose access has ended): the refusal
        is answered with its reason and logged, never as a successful sign-in."""
        response = super().pre_login(request, user, **kwargs)
        if response is not None:
            return response
        refusal = sign_in_refusal(request, user)
        if refusal is not None:
            clear_login(request)
        return refusal

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """E-mail, password and MFA changes need a fresh password (or code). For the second
        factor a sign-in within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds counts as fresh, so the
        enrolment the portal demands right after sign-in, and the recovery codes it shows next,
        do not ask for the password a second time."""
        required: bool = super().is_reauthentication_required(app=app, **kwargs)
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

    def encrypt(self, text: str) -> str:
        """TOTP secrets and recovery-code seeds are stored encrypted (FIELD_ENCRYPTION_KEYS)."""
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in MFA_TYPES or not mfa_required(authenticator.user):
            return True
        others = type(authenticator).objects.filter(
            user_id=authenticator.user_id, type__in=MFA_TYPES
        )
        return others.exclude(pk=authenticator.pk).exists()


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """ "Sign out other sessions" on the account page lands in the security log."""

    def end_sessions(self, sessions: Iterable[UserSession]) -> None:
        sessions = list(sessions)
        super().end_sessions(sessions)
        for user_id in {s.user_id for s in sessions}:
            user = next(s.user for s in sessions if s.user_id == user_id)
            security_log(
                kind=SecurityEvent.Kind.SESSIONS_ENDED,
                user=user,
                count=sum(1 for s in sessions if s.user_id == user_id),
                reason="signed_out_elsewhere",
            )
