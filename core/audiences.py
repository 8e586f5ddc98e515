"""The four audiences of the portal, decided from the account alone.

An account is ITD staff (steers everything), staff of Hamburg's administration (a profile with
an authority), an external partner (a guest: no authority), or anonymous. What a person may do
beyond that depends on their roles in spaces and projects, decided in each app's permissions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from .rules import UserRule


class Audience(StrEnum):
    ITD = "itd"  # Amt für IT und Digitalisierung: steers everything
    INTERNAL = "internal"  # staff of Hamburg's administration (any authority)
    EXTERNAL = "external"  # partners from outside the administration (guests)
    ANONYMOUS = "anonymous"  # citizens, not signed in


def _profile(user: Any) -> Any:
    try:
        return user.person
    except ObjectDoesNotExist:
        return None


def audience(user: Any) -> Audience:
    """The audience of an account; cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Audience.ANONYMOUS
    cached = getattr(user, "_portal_audience", None)
    if cached is not None:
        return cached
    if user.is_itd_staff:
        result = Audience.ITD
    else:
        person = _profile(user)
        # A guest is always external: guest invitations never give a profile an authority.
        internal = person is not None and person.authority_id is not None
        result = Audience.INTERNAL if internal else Audience.EXTERNAL
    user._portal_audience = result
    return result


def forget_audience(user: Any) -> None:
    if hasattr(user, "_portal_audience"):
        del user._portal_audience


def is_signed_in(user: Any) -> bool:
    return audience(user) != Audience.ANONYMOUS


def is_staff_of_administration(user: Any) -> bool:
    return audience(user) in (Audience.ITD, Audience.INTERNAL)


# The audiences as rules (core.rules), for the rule tables of the apps.
ITD = UserRule(lambda user: audience(user) == Audience.ITD, "ITD")
STAFF = UserRule(lambda user: audience(user) == Audience.INTERNAL, "staff")
ADMINISTRATION = UserRule(is_staff_of_administration, "ITD or staff")
EXTERNAL = UserRule(lambda user: audience(user) == Audience.EXTERNAL, "external")
SIGNED_IN = UserRule(is_signed_in, "signed in")
