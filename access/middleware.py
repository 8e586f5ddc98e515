"""Sign-in hardening, enforced at every request (after AuthenticationMiddleware and allauth's
AccountMiddleware):

- `SessionTimeoutMiddleware` signs a person out after SESSION_IDLE_TIMEOUT seconds without a
  request and SESSION_ABSOLUTE_TIMEOUT seconds after sign-in, whatever happened in between;
- `AccessEndedMiddleware` signs out an account whose access (from invitations) has ended;
- `MFARequiredMiddleware` sends ITD staff, coordinators and officers to the enrolment of a
  second factor until they have one; only the enrolment pages, sign-out and the public help
  and legal pages stay open.

They live in this layer because they need every role: spaces, officers, project guests.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from contacts.security import (
    SEEN_AT_GRANULARITY,
    SESSION_LOGIN_AT,
    SESSION_MFA_ENROLLED,
    SESSION_SEEN_AT,
    mfa_enrolled,
    session_expiry_reason,
    session_set_mfa_enrolled,
)

from .permissions import has_active_access, mfa_required

GetResponse = Callable[[HttpRequest], HttpResponse]

# Set on the request for later readers: why the session ended (contacts.receivers logs it), and
# whether the person must still enrol a second factor (the enrolment templates read it).
LOGOUT_REASON = "portal_logout_reason"
MFA_ENROLMENT_REQUIRED = "portal_mfa_enrolment_required"

# Exactly the pages a person who must enrol may still open: the enrolment itself (authenticator
# app or security key, with the password asked again first), sign-out, the language switch, the
# health checks (`/healthz`, Kubernetes' `/livez` and `/readyz`), and the public pages every
# page must reach: help and glossary, privacy, legal notice, accessibility statement and terms
# (anyone may read them signed out; the frame links to them from every page, the enrolment's
# too, issue 22). Nothing else, the admin included: full names, never matched by prefix.
MFA_OPEN_VIEWS = frozenset(
    {
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_reauthenticate",
        "mfa_reauthenticate_webauthn",
        "account_reauthenticate",
        "account_logout",
        "set_language",
        "core:healthz",
        "core:livez",
        "core:readyz",
        "core:help",
        "core:help_area",
        "core:glossary",
        "core:privacy",
        "core:legal_notice",
        "core:accessibility",
        "core:terms",
        # The portal in Leichte Sprache and German Sign Language (BITV 2.0 § 4): public pages,
        # linked from every footer like the accessibility statement.
        "inclusion:easy",
        "inclusion:sign",
    }
)


class SessionTimeoutMiddleware:
    """Idle timeout and absolute timeout of a signed-in session."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            reason = session_expiry_reason(session, now)
            if reason is not None:
                setattr(request, LOGOUT_REASON, f"timeout_{reason}")
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


class AccessEndedMiddleware:
    """Signs out an account whose access has ended, at its very next request.

    The daily job ends such sessions too; this check closes the gap until it runs, so the
    pages answer as to an anonymous visitor from the first day after the end date.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not has_active_access(user):
            logout(request)
            messages.info(request, _("Ihr Zugang ist beendet. Sie wurden abgemeldet."))
        return self.get_response(request)


def _is_open_for_enrolment(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    # Full names: the admin's admin:mfa_authenticator_change is no enrolment page.
    return match.view_name in MFA_OPEN_VIEWS


class MFARequiredMiddleware:
    """Until ITD staff, coordinators and officers have a second factor, every page leads to
    the enrolment."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        setattr(request, MFA_ENROLMENT_REQUIRED, False)
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
                setattr(request, MFA_ENROLMENT_REQUIRED, True)
                if not _is_open_for_enrolment(request):
                    return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
