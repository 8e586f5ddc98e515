"""The security log listens to sign-in events of Django and django-allauth.

Only logging and the session's own bookkeeping happen here; the writes that cause these events
live in the services and in allauth. Connected in `ContactsConfig.ready()`.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from core.audiences import Actor
from core.models import SecurityEvent
from core.services import security_log

from .security import (
    MFA_TYPES,
    SESSION_MFA_BY_PROVIDER,
    mfa_enrolled,
    session_set_mfa_enrolled,
    session_stamp_login,
)


@receiver(auth_signals.user_logged_in, dispatch_uid="portal_security_login")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Actor, **kwargs: Any) -> None:
    if request is not None:
        session_stamp_login(request, user)
    # Which way the person came in: the password form (with the portal's second factor where
    # they have one) or an identity provider (set by the identity app on the request).
    path = getattr(request, "portal_sign_in_path", "local") if request is not None else ""
    detail = {"path": path} if path else {}
    if request is not None and request.session.get(SESSION_MFA_BY_PROVIDER):
        detail["mfa"] = "provider"
    security_log(kind=SecurityEvent.Kind.LOGIN, user=user, request=request, **detail)


@receiver(auth_signals.user_logged_out, dispatch_uid="portal_security_logout")
def on_logged_out(
    sender: Any, request: HttpRequest | None, user: Actor | None, **kwargs: Any
) -> None:
    if user is None:
        return
    reason = getattr(request, "portal_logout_reason", "") if request is not None else ""
    detail = {"reason": reason} if reason else {}
    security_log(kind=SecurityEvent.Kind.LOGOUT, user=user, request=request, **detail)


def _mfa_changed(
    request: HttpRequest | None, user: Actor, authenticator: Authenticator, action: str
) -> None:
    if authenticator.type in MFA_TYPES and request is not None:
        session_set_mfa_enrolled(request, mfa_enrolled(user))
    security_log(
        kind=SecurityEvent.Kind.MFA_CHANGED,
        user=user,
        request=request,
        action=action,
        type=authenticator.type,
    )


@receiver(mfa_signals.authenticator_added, dispatch_uid="portal_security_mfa_added")
def on_authenticator_added(
    sender: Any,
    request: HttpRequest | None,
    user: Actor,
    authenticator: Authenticator,
    **kwargs: Any,
) -> None:
    _mfa_changed(request, user, authenticator, "added")


@receiver(mfa_signals.authenticator_removed, dispatch_uid="portal_security_mfa_removed")
def on_authenticator_removed(
    sender: Any,
    request: HttpRequest | None,
    user: Actor,
    authenticator: Authenticator,
    **kwargs: Any,
) -> None:
    _mfa_changed(request, user, authenticator, "removed")


@receiver(mfa_signals.authenticator_reset, dispatch_uid="portal_security_mfa_reset")
def on_authenticator_reset(
    sender: Any,
    request: HttpRequest | None,
    user: Actor,
    authenticator: Authenticator,
    **kwargs: Any,
) -> None:
    _mfa_changed(request, user, authenticator, "reset")


@receiver(account_signals.password_changed, dispatch_uid="portal_security_password_changed")
def on_password_changed(
    sender: Any, request: HttpRequest | None, user: Actor, **kwargs: Any
) -> None:
    security_log(
        kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user, request=request, action="changed"
    )


@receiver(account_signals.password_set, dispatch_uid="portal_security_password_set")
def on_password_set(sender: Any, request: HttpRequest | None, user: Actor, **kwargs: Any) -> None:
    security_log(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user, request=request, action="set")


@receiver(account_signals.password_reset, dispatch_uid="portal_security_password_reset")
def on_password_reset(sender: Any, request: HttpRequest | None, user: Actor, **kwargs: Any) -> None:
    security_log(
        kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user, request=request, action="reset"
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="portal_security_mfa_failed")
def on_mfa_failed(
    sender: Any,
    request: HttpRequest | None,
    user: Actor,
    authenticator: Authenticator,
    reauthentication: bool = False,
    **kwargs: Any,
) -> None:
    security_log(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        user=user,
        request=request,
        factor=authenticator.type,
        reauthentication=reauthentication,
    )


def _email_changed(
    request: HttpRequest | None, user: Actor, action: str, **addresses: EmailAddress | None
) -> None:
    security_log(
        kind=SecurityEvent.Kind.EMAIL_CHANGED,
        user=user,
        request=request,
        action=action,
        **{k: getattr(v, "email", v) for k, v in addresses.items() if v is not None},
    )


@receiver(account_signals.email_added, dispatch_uid="portal_security_email_added")
def on_email_added(
    sender: Any,
    request: HttpRequest | None,
    user: Actor,
    email_address: EmailAddress,
    **kwargs: Any,
) -> None:
    _email_changed(request, user, "added", address=email_address)


@receiver(account_signals.email_removed, dispatch_uid="portal_security_email_removed")
def on_email_removed(
    sender: Any,
    request: HttpRequest | None,
    user: Actor,
    email_address: EmailAddress,
    **kwargs: Any,
) -> None:
    _email_changed(request, user, "removed", address=email_address)


@receiver(account_signals.email_changed, dispatch_uid="portal_security_email_changed")
def on_email_changed(
    sender: Any,
    request: HttpRequest | None,
    user: Actor,
    from_email_address: EmailAddress | None,
    to_email_address: EmailAddress,
    **kwargs: Any,
) -> None:
    _email_changed(request, user, "primary_changed", old=from_email_address, new=to_email_address)


@receiver(account_signals.email_confirmed, dispatch_uid="portal_security_email_confirmed")
def on_email_confirmed(
    sender: Any, request: HttpRequest | None, email_address: EmailAddress, **kwargs: Any
) -> None:
    _email_changed(request, email_address.user, "confirmed", address=email_address)
