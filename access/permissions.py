"""Who may invite whom, who must use a second factor, whose access has ended.

This layer sits above spaces and projects, so it sees every source of access: memberships,
officer roles, single-project invitations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet

from contacts.models import User
from contacts.permissions import officer_authority_ids
from core import rules
from core.audiences import ITD, STAFF, Actor, Audience, Viewer, audience, is_signed_in
from core.rules import Attr, AttrIn, RuleTable, has_any
from projects.models import ProjectGuest
from projects.permissions import PROJECT, invited_project_ids
from spaces.models import Membership, Space
from spaces.permissions import SPACE, coordinated_space_ids, member_space_ids

from .models import Invitation

IN_MY_SPACES = AttrIn("space_id", coordinated_space_ids) & Attr("project_id", None)

INVITATION = RuleTable(
    Invitation,
    {
        # ITD sees every invitation; a coordinator those into the spaces they coordinate
        # (invitations to single projects are ITD's).
        "view": ITD | (STAFF & IN_MY_SPACES),
        # Resend, revoke, extend, end: ITD; the space's coordinators for guest invitations.
        "manage": ITD | (STAFF & IN_MY_SPACES & Attr("role", Membership.Role.GUEST)),
    },
)

GLOBAL = RuleTable(None, {"view_all_invitations": ITD})

# ITD staff, coordinators and digitalisation officers must sign in with a second factor.
SECOND_FACTOR = (
    ITD
    | has_any(coordinated_space_ids, "coordinates a space")
    | has_any(officer_authority_ids, "digitalisation officer")
)

# Where an account's access can come from, besides being staff that ITD created.
ACCESS_SOURCES = (
    has_any(member_space_ids, "member of a space")
    | has_any(officer_authority_ids, "digitalisation officer")
    | has_any(invited_project_ids, "guest of a project")
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


def invitable_roles(user: Viewer, space: Space) -> list[str]:
    """Coordinators invite guests into their space; ITD invites guests, members, coordinators."""
    if audience(user) == Audience.ITD:
        return [r.value for r in Membership.Role]
    if SPACE.can(user, "manage_members", space):
        return [Membership.Role.GUEST.value]
    return []


def can_invite(user: Viewer, space: Space) -> bool:
    return bool(invitable_roles(user, space))


def can_invite_to_project(user: Viewer, project: Any) -> bool:
    """A guest into one single project: ITD only."""
    return PROJECT.can(user, "invite_guest", project)


def mfa_required(user: Viewer) -> bool:
    if not is_signed_in(user):
        return False
    return SECOND_FACTOR.test(user, None)


# A rule on an account (the object, a User): its access comes only from memberships and
# invitations. Every external account (no authority: guests are always external) and every
# account created by accepting an invitation; never ITD. Staff accounts that ITD created keep
# their access whatever their memberships. Read on one account (access_depends_on_invitations)
# and as SQL (the daily jobs' invitation_bound_users).
INVITATION_BOUND = Attr("is_itd_staff", False) & (
    Attr("invited_account", True) | Attr("person__authority_id", None)
)


def access_depends_on_invitations(user: Viewer) -> bool:
    return is_signed_in(user) and INVITATION_BOUND.test(user, user)


def invitation_bound_users() -> QuerySet[User]:
    """Every account whose access depends on invitations, active or not (INVITATION_BOUND)."""
    condition = INVITATION_BOUND.q(None, User)
    assert condition is not None  # Attr rules always have a condition
    return User.objects.filter(condition)


def has_active_access(user: Viewer) -> bool:
    """An account whose access depends on invitations sees something only while one of its
    accesses runs: a membership, an officer role or a project invitation."""
    if not is_signed_in(user) or not access_depends_on_invitations(user):
        return True
    return ACCESS_SOURCES.test(user, None)


def last_access_end(user: Actor) -> dt.date | None:
    """The day the account's last membership or project invitation ended (None if none did)."""
    ends = [
        Membership.objects.filter(person__user=user).aggregate(m=Max("until"))["m"],
        ProjectGuest.objects.filter(person__user=user).aggregate(m=Max("until"))["m"],
    ]
    known = [e for e in ends if e is not None]
    return max(known) if known else None
