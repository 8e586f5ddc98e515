"""Who may see and do what with people, authorities and contact details (DESIGN.md matrix).

The portal knows four audiences. A person's role in a given space (coordinator, member, guest)
is decided in `spaces.permissions`; here only what follows from the account itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Person


class Audience(StrEnum):
    ITD = "itd"  # Amt für IT und Digitalisierung: steers everything
    INTERNAL = "internal"  # staff of Hamburg's administration (any authority)
    EXTERNAL = "external"  # partners from outside the administration (guests)
    ANONYMOUS = "anonymous"  # citizens, not signed in


def audience(user) -> Audience:
    """The audience of an account; cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Audience.ANONYMOUS
    cached = getattr(user, "_portal_audience", None)
    if cached is not None:
        return cached
    if user.is_itd_staff:
        result = Audience.ITD
    else:
        person = getattr(user, "person", None) if _has_person(user) else None
        result = (
            Audience.INTERNAL if person is not None and person.authority_id else Audience.EXTERNAL
        )
    user._portal_audience = result
    return result


def _has_person(user) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        user.person  # noqa: B018 - loads and caches the profile
    except ObjectDoesNotExist:
        return False
    return True


def is_staff_of_administration(user) -> bool:
    return audience(user) in (Audience.ITD, Audience.INTERNAL)


@dataclass(frozen=True)
class ContactVisibility:
    """Which contact details of one person a viewer may see."""

    email: bool
    phone: bool


def contact_visibility(user, person: Person) -> ContactVisibility:
    """Staff see e-mail and phone; guests only what the person opted in to; anonymous nothing."""
    kind = audience(user)
    if kind in (Audience.ITD, Audience.INTERNAL) or (
        kind == Audience.EXTERNAL and person.user_id == user.pk
    ):
        return ContactVisibility(email=True, phone=True)
    if kind == Audience.EXTERNAL:
        return ContactVisibility(
            email=person.email_visible_to_guests, phone=person.phone_visible_to_guests
        )
    return ContactVisibility(email=False, phone=False)


def can_see_name(user, person: Person) -> bool:
    """Anonymous visitors see a person (name and function) only where that person agreed to be
    named publicly; everyone signed in sees the names of the people shown to them."""
    if audience(user) == Audience.ANONYMOUS:
        return person.named_publicly
    return True


def can_see_affiliations(user) -> bool:
    """Guests see names and functions only, not whom the others represent."""
    return is_staff_of_administration(user)


def can_view_directory(user) -> bool:
    """The people directory: staff see everyone; guests see the people of their own space."""
    return audience(user) != Audience.ANONYMOUS


def can_view_authorities(user) -> bool:
    return audience(user) != Audience.ANONYMOUS


def can_view_matrix(user) -> bool:
    """Authorities x spaces with the gaps: ITD staff and coordinators only."""
    from spaces.permissions import is_any_coordinator

    kind = audience(user)
    if kind == Audience.ITD:
        return True
    return kind == Audience.INTERNAL and is_any_coordinator(user)


def can_manage_reference_data(user) -> bool:
    """Spaces, authorities, officers, cost rates: ITD staff only."""
    return audience(user) == Audience.ITD


# --- Invitations ---------------------------------------------------------------------------


def invitable_roles(user, space) -> list[str]:
    """Coordinators invite guests into their space; ITD invites guests, members, coordinators."""
    from spaces.models import Membership
    from spaces.permissions import can_manage_members

    kind = audience(user)
    if kind == Audience.ITD:
        return [r.value for r in Membership.Role]
    if kind == Audience.INTERNAL and can_manage_members(user, space):
        return [Membership.Role.GUEST.value]
    return []


def can_invite(user, space) -> bool:
    return bool(invitable_roles(user, space))


def can_invite_to_project(user, project) -> bool:
    """A guest into one single project: ITD only."""
    return audience(user) == Audience.ITD


def can_manage_invitation(user, invitation) -> bool:
    """Resend, revoke, extend, end: ITD, and the space's coordinators for guest invitations."""
    if invitation.project_id:
        return can_invite_to_project(user, invitation.project)
    return invitation.role in invitable_roles(user, invitation.space)


def can_view_all_invitations(user) -> bool:
    return audience(user) == Audience.ITD


def access_depends_on_invitations(user) -> bool:
    """Whose access comes only from memberships and invitations: every external account (guests
    are always external) and every account created by accepting an invitation. Staff accounts
    that ITD created keep their access whatever their memberships."""
    kind = audience(user)
    if kind == Audience.ITD:
        return False
    return kind == Audience.EXTERNAL or bool(getattr(user, "invited_account", False))


def has_active_access(user) -> bool:
    """An account whose access depends on invitations sees something only while one of its
    accesses runs: a membership, a project invitation or an officer role."""
    if audience(user) == Audience.ANONYMOUS or not access_depends_on_invitations(user):
        return True
    from spaces.permissions import space_roles

    if space_roles(user):
        return True
    from projects.models import ProjectGuest

    from .models import DigitalOfficer

    if DigitalOfficer.objects.active().filter(person__user=user).exists():
        return True
    return ProjectGuest.objects.active().filter(person__user=user).exists()


def last_access_end(user):
    """The day the account's last membership or project invitation ended (None if none did)."""
    from django.db.models import Max

    from projects.models import ProjectGuest
    from spaces.models import Membership

    ends = [
        Membership.objects.filter(person__user=user).aggregate(m=Max("until"))["m"],
        ProjectGuest.objects.filter(person__user=user).aggregate(m=Max("until"))["m"],
    ]
    ends = [e for e in ends if e is not None]
    return max(ends) if ends else None
