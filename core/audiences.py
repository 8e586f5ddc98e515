"""The four audiences of the portal, decided from the account alone.

An account is ITD staff (steers everything), staff of Hamburg's administration (a profile with
an authority), an external partner (a guest: no authority), or anonymous. What a person may do
beyond that depends on their roles in spaces and projects, decided in each app's permissions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import HttpRequest

from .rules import EVERYTHING, UserRule

if TYPE_CHECKING:
    # `_User` exists only in django-stubs: its plugin reads it as the model AUTH_USER_MODEL names
    # (contacts.User), the way `get_user_model()` does at run time. So core is typed against the
    # real account without importing the higher layer that defines it.
    from django.contrib.auth.models import AnonymousUser, _User

Actor: TypeAlias = "_User"
"""An account that is signed in: who calls a service, whose data is at stake (the user model,
settings.AUTH_USER_MODEL). A job acts as SYSTEM (below)."""

Viewer: TypeAlias = "_User | AnonymousUser | None"
"""Whoever looks: an account, an anonymous visitor (`request.user` of both kinds), or nobody."""


class SystemActor(AnonymousUser):
    """The portal itself, acting in a job: a daily task, the privacy orchestrator, an accepted
    invitation, the demo seed. It is never signed in (so no audience's rule lets it in) and may
    do exactly what the rule tables grant the rule SYSTEM by name; the audit trail records it as
    "System". One object, so a service tells it apart from an anonymous visitor."""

    def __str__(self) -> str:
        return "System"


SYSTEM_ACTOR = SystemActor()


class SignedInRequest(HttpRequest):
    """For annotations only: the request of a view behind `login_required`, whose user is an
    account (Django never makes one of these; it is an HttpRequest with a narrower `user`)."""

    user: Actor


class Audience(StrEnum):
    ITD = "itd"  # Amt für IT und Digitalisierung: steers everything
    INTERNAL = "internal"  # staff of Hamburg's administration (any authority)
    EXTERNAL = "external"  # partners from outside the administration (guests)
    ANONYMOUS = "anonymous"  # citizens, not signed in


# The audience is cached on the user object for the request (an attribute, not a model field).
_CACHE = "_portal_audience"


def _has_authority(user: Actor) -> bool:
    """The account's profile names an authority (an account may have no profile at all)."""
    try:
        return user.person.authority_id is not None
    except ObjectDoesNotExist:
        return False


def audience(user: Viewer) -> Audience:
    """The audience of an account; cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Audience.ANONYMOUS
    cached: Audience | None = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    if user.is_itd_staff:
        result = Audience.ITD
    else:
        # A guest is always external: guest invitations never give a profile an authority.
        result = Audience.INTERNAL if _has_authority(user) else Audience.EXTERNAL
    setattr(user, _CACHE, result)
    return result


def forget_audience(user: Viewer) -> None:
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def is_signed_in(user: Viewer) -> TypeGuard[Actor]:
    """An active account, signed in (for the type checker: `user` is an Actor then)."""
    return audience(user) != Audience.ANONYMOUS


def is_staff_of_administration(user: Viewer) -> bool:
    return audience(user) in (Audience.ITD, Audience.INTERNAL)


# The audiences as rules (core.rules), for the rule tables of the apps; each with the same
# condition on the accounts (the user model's fields that `audience()` reads).
_ITD_ACCOUNTS = Q(is_itd_staff=True)
_STAFF_ACCOUNTS = Q(is_itd_staff=False, person__authority__isnull=False)
# No profile, or a profile without an authority (isnull=True reads the outer join).
_EXTERNAL_ACCOUNTS = Q(is_itd_staff=False, person__authority__isnull=True)

ITD = UserRule(lambda user: audience(user) == Audience.ITD, "ITD", lambda: _ITD_ACCOUNTS)
STAFF = UserRule(lambda user: audience(user) == Audience.INTERNAL, "staff", lambda: _STAFF_ACCOUNTS)
ADMINISTRATION = UserRule(
    is_staff_of_administration, "ITD or staff", lambda: _ITD_ACCOUNTS | _STAFF_ACCOUNTS
)
EXTERNAL = UserRule(
    lambda user: audience(user) == Audience.EXTERNAL, "external", lambda: _EXTERNAL_ACCOUNTS
)
SIGNED_IN = UserRule(is_signed_in, "signed in", lambda: EVERYTHING)
# The jobs (SystemActor): named in a table only for the actions they need. No account is it.
SYSTEM = UserRule(lambda user: isinstance(user, SystemActor), "system", lambda: None)
