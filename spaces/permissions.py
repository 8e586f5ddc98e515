"""Who may see and do what in a Digital Space (DESIGN.md access matrix)."""

from __future__ import annotations

from contacts.permissions import Audience, audience

from .models import Membership, Space


def space_roles(user) -> dict[int, str]:
    """{space_id: role} of the user's active memberships; one query, cached per request."""
    if audience(user) == Audience.ANONYMOUS:
        return {}
    cached = getattr(user, "_portal_space_roles", None)
    if cached is None:
        cached = dict(
            Membership.objects.active().filter(person__user=user).values_list("space_id", "role")
        )
        user._portal_space_roles = cached
    return cached


def forget_cached_roles(user) -> None:
    for attr in ("_portal_space_roles", "_portal_audience"):
        if hasattr(user, attr):
            delattr(user, attr)


def role_in(user, space: Space) -> str | None:
    return space_roles(user).get(space.pk)


def is_coordinator_of(user, space: Space) -> bool:
    return role_in(user, space) == Membership.Role.COORDINATOR


def is_any_coordinator(user) -> bool:
    return Membership.Role.COORDINATOR in space_roles(user).values()


def coordinated_space_ids(user) -> set[int]:
    return {sid for sid, role in space_roles(user).items() if role == Membership.Role.COORDINATOR}


def can_view_members(user, space: Space) -> bool:
    """Staff see who is in every space; guests only in their own; anonymous nobody."""
    kind = audience(user)
    if kind in (Audience.ITD, Audience.INTERNAL):
        return True
    return kind == Audience.EXTERNAL and role_in(user, space) is not None


def can_manage_members(user, space: Space) -> bool:
    """Add members, change roles, end memberships, invite guests: ITD and own coordinators."""
    kind = audience(user)
    if kind == Audience.ITD:
        return True
    return kind == Audience.INTERNAL and is_coordinator_of(user, space)


def assignable_roles(user, space: Space) -> list[str]:
    """Coordinators may add members and guests; only ITD names coordinators."""
    if audience(user) == Audience.ITD:
        return [r.value for r in Membership.Role]
    if can_manage_members(user, space):
        return [Membership.Role.MEMBER.value, Membership.Role.GUEST.value]
    return []


def can_change_membership(user, membership: Membership) -> bool:
    """Coordinators manage members and guests of their space; coordinators are ITD's to change."""
    if not can_manage_members(user, membership.space):
        return False
    return audience(user) == Audience.ITD or membership.role != Membership.Role.COORDINATOR
