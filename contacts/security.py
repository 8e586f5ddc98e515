"""Account security: password checks with one lock-out, second-factor enrolment, session clocks.

The middlewares that enforce these live in the access app, which knows the roles; this module
offers the pieces and two hooks the access app fills at start-up:

- `SECOND_FACTOR_REQUIRED`: who must sign in with a second factor (ITD, coordinators, officers);
- `SIGN_IN_CHECKS`: checks that may refuse a sign-in (an account whose access has ended).

The identity app fills a third, `SECOND_FACTOR_BY_PROVIDER`: a sign-in by the city's identity
provider that asserts a second factor is not asked for the portal's own (contacts.stages).

The session state is written at sign-in (`session_stamp_login`), so an ordinary request costs
no extra query.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.audiences import Actor, Viewer

SESSION_LOGIN_AT = "portal.login_at"
SESSION_SEEN_AT = "portal.seen_at"
SESSION_MFA_ENROLLED = "portal.mfa_enrolled"
# True when the identity provider checked a second factor at this sign-in (the portal's own is
# then neither asked nor demanded for this session).
SESSION_MFA_BY_PROVIDER = "portal.mfa_by_provider"
# Last activity is written at most this often, so not every request saves the session.
SEEN_AT_GRANULARITY = 60

# The second factors that count as enrolled (recovery codes alone are only a fallback).
MFA_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# Filled by the access app (access.apps): the rule of who must use a second factor.
SECOND_FACTOR_REQUIRED: list[Callable[[Viewer], bool]] = []
# Filled by the access app: each may answer a sign-in with a refusal (a response) or None.
SIGN_IN_CHECKS: list[Callable[[HttpRequest, Actor], HttpResponse | None]] = []
# Filled by the identity app: did the identity provider vouch for a second factor at the
# sign-in this request completes?
SECOND_FACTOR_BY_PROVIDER: list[Callable[[HttpRequest], bool]] = []


def mfa_required(user: Viewer) -> bool:
    return any(check(user) for check in SECOND_FACTOR_REQUIRED)


# Filled by the identity app: where the browser goes after the portal's logout (the identity
# provider's logout, so its session ends too), read before the portal's session ends.
LOGOUT_DESTINATIONS: list[Callable[[HttpRequest], str | None]] = []


def logout_destination(request: HttpRequest) -> str | None:
    for destination in LOGOUT_DESTINATIONS:
        url = destination(request)
        if url:
            return url
    return None


def second_factor_by_provider(request: HttpRequest) -> bool:
    return any(check(request) for check in SECOND_FACTOR_BY_PROVIDER)


def sign_in_refusal(request: HttpRequest, user: Actor) -> HttpResponse | None:
    for check in SIGN_IN_CHECKS:
        response = check(request, user)
        if response is not None:
            return response
    return None


def verify_password(request: HttpRequest | None, user: Actor, password: str) -> bool:
    """Check a password as the sign-in does: the same lock-out counter for the address, the
    same security log entry on failure, LimitExceeded (429) while the address is locked.

    Every form that asks for a password uses this (invitation links, account deletion), so no
    form is a way around the lock-out. Without a request (a script) only the password counts.
    """
    if request is None:
        return user.check_password(password)
    authenticated = get_adapter(request).authenticate(request, email=user.email, password=password)
    return authenticated is not None and authenticated.pk == user.pk


def mfa_enrolled(user: Actor) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=MFA_TYPES).exists()


def session_stamp_login(request: HttpRequest, user: Actor) -> None:
    """At sign-in: when it happened, and whether the account has a second factor."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[SESSION_LOGIN_AT] = now
    session[SESSION_SEEN_AT] = now
    by_provider = second_factor_by_provider(request)
    session[SESSION_MFA_BY_PROVIDER] = by_provider
    session[SESSION_MFA_ENROLLED] = by_provider or mfa_enrolled(user)


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
