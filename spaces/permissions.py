"""Who may see and do what in a Digital Space (the access matrix), written once per action.

"Own" space: one the user holds an active membership in. Coordinators manage the members and
guests of their spaces; naming coordinators is ITD's.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q, QuerySet

from core import rules
from core.audiences import (
    ADMINISTRATION,
    EXTERNAL,
    ITD,
    STAFF,
    SYSTEM,
    Actor,
    Viewer,
    is_signed_in,
)
from core.rules import ANYONE, Attr, AttrIn, InSubquery, RuleTable, Via, fact, has_any

from .models import Membership, Space

# Cached on the user object for the request (see contacts.permissions).
_ROLES_CACHE = "_portal_space_roles"


def space_roles(user: Viewer) -> dict[int, str]:
    """{space_id: role} of the user's active memberships; one query, cached per request."""
    if not is_signed_in(user):
        return {}
    cached: dict[int, str] | None = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        cached = dict(memberships_of(user).values_list("space_id", "role"))
        setattr(user, _ROLES_CACHE, cached)
    return cached


def memberships_of(user: Actor) -> QuerySet[Membership]:
    """The account's active memberships (read here, and with the other facts in one query by
    portal.facts)."""
    return Membership.objects.active().filter(person__user=user)


def remember_space_roles(user: Viewer, roles: dict[int, str]) -> None:
    setattr(user, _ROLES_CACHE, dict(roles))


def role_in(user: Viewer, space: Space) -> str | None:
    return space_roles(user).get(space.pk)


def _holding(*roles: str) -> Any:
    """The accounts with an active membership in one of `ids` (any space: None) in one of
    `roles` (any role: none named): the facts below read as accounts."""

    def holders(ids: Collection[int] | None) -> Q:
        memberships = Membership.objects.active()
        if ids is not None:
            memberships = memberships.filter(space_id__in=list(ids))
        if roles:
            memberships = memberships.filter(role__in=roles)
        return Q(person__in=memberships.values("person_id"))

    return holders


@fact(_holding())
def member_space_ids(user: Viewer) -> frozenset[int]:
    """Spaces the user is in, in any role."""
    return frozenset(space_roles(user))


@fact(_holding(Membership.Role.COORDINATOR))
def coordinated_space_ids(user: Viewer) -> frozenset[int]:
    return frozenset(s for s, r in space_roles(user).items() if r == Membership.Role.COORDINATOR)


@fact(_holding(Membership.Role.COORDINATOR, Membership.Role.MEMBER))
def staff_space_ids(user: Viewer) -> frozenset[int]:
    """Spaces where the user works as coordinator or member (not as a guest)."""
    return frozenset(s for s, r in space_roles(user).items() if r != Membership.Role.GUEST)


@fact(_holding(Membership.Role.GUEST))
def guest_space_ids(user: Viewer) -> frozenset[int]:
    return frozenset(s for s, r in space_roles(user).items() if r == Membership.Role.GUEST)


def people_sharing_a_space(user: Viewer) -> QuerySet[Any]:
    """The ids of the people active in one of the user's spaces (a subquery in SQL)."""
    return (
        Membership.objects.active()
        .filter(space_id__in=list(member_space_ids(user)))
        .values_list("person_id", flat=True)
    )


COORDINATES = AttrIn("pk", coordinated_space_ids)

SPACE = RuleTable(
    Space,
    {
        # The seven spaces and their descriptions are public.
        "view": ANYONE,
        # Staff see who is in every space; guests only in their own; anonymous nobody.
        "view_members": ADMINISTRATION | (EXTERNAL & AttrIn("pk", member_space_ids)),
        # Add members, change roles, end memberships, invite guests: ITD and own coordinators.
        "manage_members": ITD | (STAFF & COORDINATES),
    },
)

# Coordinators manage members and guests of their space; coordinators are ITD's.
CHANGE_MEMBERSHIP = ITD | (
    STAFF & AttrIn("space_id", coordinated_space_ids) & ~Attr("role", Membership.Role.COORDINATOR)
)

MEMBERSHIP = RuleTable(
    Membership,
    {
        "view": Via("space", "view_members"),
        "change": CHANGE_MEMBERSHIP,
        # A new membership (tested on the unsaved row: its space and role): whoever may change
        # it, and the system for an accepted invitation (checked when it was issued) and the
        # demo seed.
        "add": CHANGE_MEMBERSHIP | SYSTEM,
    },
)

GLOBAL = rules.RuleTable(
    None,
    {
        # Authorities x spaces with the gaps: ITD and coordinators.
        "view_matrix": ITD | (STAFF & has_any(coordinated_space_ids, "coordinates a space")),
    },
)

# A guest sees the people of their own spaces (the contacts app's extension point).
PEOPLE_IN_MY_SPACES = InSubquery("pk", people_sharing_a_space, "shares a space with me")


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


def is_any_coordinator(user: Viewer) -> bool:
    return bool(coordinated_space_ids(user))


def assignable_roles(user: Viewer, space: Space) -> list[str]:
    """The roles the user may give in the space (MEMBERSHIP "change" on a row of that role):
    coordinators members and guests; only ITD names coordinators."""
    return [
        r.value
        for r in Membership.Role
        if MEMBERSHIP.can(user, "change", Membership(space=space, role=r.value))
    ]
