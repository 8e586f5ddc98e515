"""Reads of spaces shaped for the viewer."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from contacts.models import DigitalOfficer, today
from contacts.permissions import can_see_affiliations
from contacts.selectors import ContactCard, contact_card, officers_by_authority

from . import permissions
from .models import Membership, Space


@dataclass
class MemberRow:
    membership: Membership
    card: ContactCard
    can_change: bool


@dataclass
class MemberGroup:
    label: str
    rows: list[MemberRow] = field(default_factory=list)


@dataclass
class SpaceDetail:
    space: Space
    role: str | None
    role_label: str | None
    can_view_members: bool
    can_manage: bool
    coordinators: list[MemberRow]
    groups: list[MemberGroup]
    officers: list[tuple[ContactCard, DigitalOfficer]]
    member_count: int


def spaces_with_counts(user) -> QuerySet[Space]:
    """The seven spaces; staff also see how many active members each has."""
    on = today()
    active = Q(memberships__ended_at__isnull=True, memberships__since__lte=on) & (
        Q(memberships__until__isnull=True) | Q(memberships__until__gte=on)
    )
    return Space.objects.visible_to(user).annotate(
        member_count=Count("memberships", filter=active, distinct=True)
    )


def space_detail(user, space: Space) -> SpaceDetail:
    """Description, coordinators, members grouped by whom they represent, the officers.

    A fixed number of queries however many members: memberships (1), officers (1), roles (1).
    """
    can_view = permissions.can_view_members(user, space)
    coordinators: list[MemberRow] = []
    groups: dict[str, MemberGroup] = {}
    officers: list[tuple[ContactCard, DigitalOfficer]] = []
    count = 0
    if can_view:
        show_affiliation = can_see_affiliations(user)
        memberships = (
            Membership.objects.visible_to(user)
            .filter(space=space, person__user__is_active=True)
            .select_related("person__user", "person__authority", "person__organisation")
            .select_related("authority", "organisation", "space")
            .order_by("person__user__last_name", "person__user__first_name")
        )
        authority_ids: set[int] = set()
        for m in memberships:
            count += 1
            row = MemberRow(
                membership=m,
                card=contact_card(user, m.person, affiliation=m.represents),
                can_change=permissions.can_change_membership(user, m),
            )
            if m.role == Membership.Role.COORDINATOR:
                coordinators.append(row)
                continue
            if m.authority_id:
                authority_ids.add(m.authority_id)
            if show_affiliation:
                label = str(m.represents) if m.represents else _("ohne Zuordnung")
            else:
                label = _("Mitglieder")
            groups.setdefault(label, MemberGroup(label=label)).rows.append(row)
        if show_affiliation:
            # Only staff get here, and staff see every active person.
            for officers_of in officers_by_authority(authority_ids).values():
                officers.extend((contact_card(user, o.person), o) for o in officers_of)
    role = permissions.role_in(user, space)
    return SpaceDetail(
        space=space,
        role=role,
        role_label=Membership.Role(role).label if role else None,
        can_view_members=can_view,
        can_manage=permissions.can_manage_members(user, space),
        coordinators=coordinators,
        groups=[groups[k] for k in sorted(groups)],
        officers=officers,
        member_count=count,
    )
