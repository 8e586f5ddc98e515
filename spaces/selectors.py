"""Reads of spaces and of who represents whom, shaped for the viewer: the space page, the people
directory, an authority's page and the representation matrix."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from contacts.models import Authority, DigitalOfficer, Person
from contacts.selectors import ContactCard, active_officers, contact_card, officers_by_authority
from core.audiences import Viewer, is_staff_of_administration
from core.dates import today

from .models import Membership, Space
from .permissions import MEMBERSHIP, SPACE, role_in

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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
    role_label: StrOrPromise | None
    can_view_members: bool
    can_manage: bool
    coordinators: list[MemberRow]
    groups: list[MemberGroup]
    officers: list[tuple[ContactCard, DigitalOfficer]]
    member_count: int


def spaces_with_counts(user: Viewer) -> QuerySet[Space]:
    """The seven spaces; staff also see how many active members each has."""
    on = today()
    active = Q(memberships__ended_at__isnull=True, memberships__since__lte=on) & (
        Q(memberships__until__isnull=True) | Q(memberships__until__gte=on)
    )
    return Space.objects.visible_to(user).annotate(
        member_count=Count("memberships", filter=active, distinct=True)
    )


def space_detail(user: Viewer, space: Space) -> SpaceDetail:
    """Description, coordinators, members grouped by whom they represent, the officers.

    A fixed number of queries however many members: memberships (1), officers (1), roles (1).
    """
    can_view = SPACE.can(user, "view_members", space)
    coordinators: list[MemberRow] = []
    groups: dict[str, MemberGroup] = {}
    officers: list[tuple[ContactCard, DigitalOfficer]] = []
    count = 0
    if can_view:
        show_affiliation = is_staff_of_administration(user)
        memberships = (
            Membership.objects.visible_to(user)
            .active()
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
                can_change=MEMBERSHIP.can(user, "change", m),
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
    role = role_in(user, space)
    return SpaceDetail(
        space=space,
        role=role,
        role_label=Membership.Role(role).label if role else None,
        can_view_members=can_view,
        can_manage=SPACE.can(user, "manage_members", space),
        coordinators=coordinators,
        groups=[groups[k] for k in sorted(groups)],
        officers=officers,
        member_count=count,
    )


# --- The people directory, authorities, the representation matrix ---------------------------


def people_for_directory(
    viewer: Viewer,
    *,
    q: str = "",
    authority: Authority | None = None,
    space: Space | None = None,
) -> QuerySet[Person]:
    """The directory: everyone the viewer may see, filtered by name, authority and space."""
    qs = (
        Person.objects.visible_to(viewer)
        .select_related("user", "authority", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    for word in q.split():
        qs = qs.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(function__icontains=word)
        )
    if authority is not None:
        qs = qs.filter(authority=authority)
    if space is not None:
        qs = qs.filter(pk__in=Membership.objects.active().filter(space=space).values("person_id"))
    return qs


@dataclass
class AuthorityDetail:
    authority: Authority
    officers: list[ContactCard]
    spaces: list[Space]
    units: list[Authority]
    predecessors: list[Authority]
    successors: list[Authority]


def authority_detail(viewer: Viewer, authority: Authority) -> AuthorityDetail:
    visible = Person.objects.visible_to(viewer)
    officers = [
        contact_card(viewer, o.person)
        for o in active_officers().filter(authority=authority, person__in=visible)
    ]
    spaces = list(
        Space.objects.filter(
            pk__in=Membership.objects.active().filter(authority=authority).values("space_id")
        )
    )
    return AuthorityDetail(
        authority=authority,
        officers=officers,
        spaces=spaces,
        units=list(authority.units.all()),
        predecessors=list(authority.predecessors.all()),
        successors=list(authority.successors.all()),
    )


@dataclass
class MatrixRow:
    authority: Authority
    cells: list[list[Person]] = field(default_factory=list)

    @property
    def gaps(self) -> int:
        return sum(1 for cell in self.cells if not cell)


def representation_matrix() -> tuple[list[Space], list[MatrixRow]]:
    """Current authorities x spaces: who represents whom, empty cells are the gaps. 3 queries."""
    spaces = list(Space.objects.all())
    authorities = list(Authority.objects.current().order_by("kind", "code"))
    cells: dict[tuple[int | None, int], list[Person]] = defaultdict(list)
    memberships = (
        Membership.objects.active()
        .filter(authority__isnull=False, person__user__is_active=True)
        .exclude(role=Membership.Role.GUEST)
        .select_related("person__user")
        .order_by("person__user__last_name")
    )
    for m in memberships:
        cells[(m.authority_id, m.space_id)].append(m.person)
    rows = [
        MatrixRow(authority=a, cells=[cells.get((a.pk, s.pk), []) for s in spaces])
        for a in authorities
    ]
    return spaces, rows
