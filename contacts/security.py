"""Sign-in hardening: required multi-factor authentication and session time limits.

Two middlewares (after AuthenticationMiddleware and allauth's AccountMiddleware):

- `SessionTimeoutMiddleware` signs a person out after SESSION_IDLE_TIMEOUT seconds without a
  request and SESSION_ABSOLUTE_TIMEOUT seconds after sign-in, whatever happened in between.
- `MFARequiredMiddleware` sends ITD staff and coordinators to the authenticator enrolment until
  they have enrolled; only the sign-in, enrolment and sign-out pages stay open to them.

Both keep their state in the session, written at sign-in (`session_stamp_login`), so an ordinary
request costs no extra query.
"""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from .permissions import Audience, audience

SESSION_LOGIN_AT = "portal.login_at"
SESSION_SEEN_AT = "portal.seen_at"
SESSION_MFA_ENROLLED = "portal.mfa_enrolled"
# Last activity is written at most this often, so not every request saves the session.
SEEN_AT_GRANULARITY = 60

# The second factors that count as enrolled (recovery codes alone are only a fallback).
MFA_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# Exactly the pages a person who must enrol may still open: the enrolment itself (authenticator
# app or security key, with the password asked again first), sign-out, the language switch and
# the health check. Nothing else, the admin included: names are listed, never matched by prefix.
MFA_OPEN_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_reauthenticate",
        "mfa_reauthenticate_webauthn",
        "account_reauthenticate",
        "account_logout",
        "set_language",
        "healthz",
    }
)


def verify_password(request: HttpRequest | None, user, password: str) -> bool:
    """Check a password as the sign-in does: the same lock-out counter for the address, the
    same security log entry on failure, LimitExceeded (429) while the address is locked.

    Every form that asks for a password uses this (invitation links, account deletion), so no
    form is a way around the lock-out. Without a request (a script) only the password counts.
    """
    if request is None:
        return user.check_password(password)
    from allauth.account.adapter import get_adapter

    authenticated = get_adapter(request).authenticate(request, email=user.email, password=password)
    return authenticated is not None and authenticated.pk == user.pk


def mfa_required(user) -> bool:
    """ITD staff and coordinators must sign in with a second factor; others may."""
    from spaces.permissions import is_any_coordinator

    kind = audience(user)
    if kind == Audience.ANONYMOUS:
        return False
    return kind == Audience.ITD or is_any_coordinator(user)


def mfa_enrolled(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=MFA_TYPES).exists()


def session_stamp_login(request: HttpRequest, user) -> None:
    """At sign-in: when it happened, and whether the account has a second factor."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[SESSION_LOGIN_AT] = now
    session[SESSION_SEEN_AT] = now
    session[SESSION_MFA_ENROLLED] = mfa_enrolled(user)


def session_set_mfa_enrolled(request: HttpRequest | None, enrolled: bool) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_MFA_ENROLLED] = enrolled


def session_expiry_reason(session, now: int) -> str | None:
    """'absolute' or 'idle' when the session has run out, else None."""
    login_at = session.get(SESSION_LOGIN_AT)
    seen_at = session.get(SESSION_SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return None
    if now - login_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if now - seen_at >= settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


class SessionTimeoutMiddleware:
    """Idle timeout and absolute timeout of a signed-in session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            reason = session_expiry_reason(session, now)
            if reason is not None:
                request.portal_logout_reason = f"timeout_{reason}"
                logout(request)
                if reason == "absolute":
                    text = _(
                        "Ihre Sitzung ist nach %(hours)s Stunden abgelaufen. "
                        "Bitte melden Sie sich erneut an."
                    ) % {"hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600}
                else:
                    text = _(
                        "Ihre Sitzung ist nach %(minutes)s Minuten ohne Aktivität abgelaufen. "
                        "Bitte melden Sie sich erneut an."
                    ) % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60}
                messages.info(request, text)
            elif not isinstance(session.get(SESSION_LOGIN_AT), int):
                # A session from before these limits existed: the clock starts now.
                session[SESSION_LOGIN_AT] = now
                session[SESSION_SEEN_AT] = now
            elif now - session[SESSION_SEEN_AT] >= SEEN_AT_GRANULARITY:
                session[SESSION_SEEN_AT] = now
        return self.get_response(request)


def _is_open_for_enrolment(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    # Namespaced names (admin:mfa_authenticator_change) never count as enrolment pages.
    return not match.namespace and (match.url_name or "") in MFA_OPEN_URL_NAMES


class MFARequiredMiddleware:
    """Until ITD staff and coordinators have a second factor, every page leads to enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        request.portal_mfa_enrolment_required = False
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_MFA_ENROLLED)
            and mfa_required(user)
        ):
            if mfa_enrolled(user):
                # Enrolled in another session since this one signed in.
                session_set_mfa_enrolled(request, True)
            else:
                request.portal_mfa_enrolment_required = True
                if not _is_open_for_enrolment(request):
                    return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def account_security_summary(user, *, session_key: str | None) -> dict:
    """What the account page shows: second factor, sessions and the latest sign-in events."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.usersessions.models import UserSession
    from django.db.models import Q

    from core.models import SecurityEvent

    authenticators = {a.type: a for a in Authenticator.objects.filter(user_id=user.pk)}
    recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    sessions = list(UserSession.objects.filter(user=user).order_by("-last_seen_at"))
    kinds = (
        SecurityEvent.Kind.LOGIN,
        SecurityEvent.Kind.LOGIN_FAILED,
        SecurityEvent.Kind.MFA_CHANGED,
        SecurityEvent.Kind.PASSWORD_CHANGED,
        SecurityEvent.Kind.SESSIONS_ENDED,
    )
    events = SecurityEvent.objects.filter(kind__in=kinds).filter(
        Q(user=user) | Q(user__isnull=True, user_label__iexact=user.email)
    )[:8]
    return {
        "email": EmailAddress.objects.filter(user=user, primary=True).first(),
        "mfa_required": mfa_required(user),
        "totp": Authenticator.Type.TOTP in authenticators,
        "webauthn": Authenticator.Type.WEBAUTHN in authenticators,
        "recovery_codes_left": (
            len(RecoveryCodes(recovery).get_unused_codes()) if recovery is not None else None
        ),
        "sessions": sessions,
        "other_sessions": sum(1 for s in sessions if s.session_key != session_key),
        "events": events,
    }
