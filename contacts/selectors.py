"""Reads of people, authorities and the representation matrix, shaped for the viewer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from . import permissions
from .models import Authority, DigitalOfficer, Organisation, Person


@dataclass(frozen=True)
class ContactCard:
    """A person as one viewer may see them: masked contact details, maybe no affiliation."""

    person: Person
    name: str
    function: str
    email: str | None
    phone: str | None
    affiliation: Authority | Organisation | None


def contact_card(viewer, person: Person, *, affiliation=None) -> ContactCard:
    shown = permissions.contact_visibility(viewer, person)
    if permissions.can_see_affiliations(viewer):
        affiliation = affiliation or person.affiliation
    else:
        affiliation = None
    return ContactCard(
        person=person,
        name=person.name,
        function=person.function,
        email=person.user.email if shown.email else None,
        phone=(person.phone or None) if shown.phone else None,
        affiliation=affiliation,
    )


def contact_cards(viewer, people: Iterable[Person]) -> list[ContactCard]:
    return [contact_card(viewer, p) for p in people]


def people_for_directory(
    viewer,
    *,
    q: str = "",
    authority: Authority | None = None,
    space=None,
) -> QuerySet[Person]:
    """The directory: everyone the viewer may see, filtered by name, authority and space."""
    from spaces.models import Membership

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


def active_officers() -> QuerySet[DigitalOfficer]:
    return (
        DigitalOfficer.objects.active()
        .filter(person__user__is_active=True)
        .select_related("person__user", "person__authority", "authority")
        .order_by("authority__code", "role", "person__user__last_name")
    )


def officers_by_authority(authority_ids: Iterable[int]) -> dict[int, list[DigitalOfficer]]:
    grouped: dict[int, list[DigitalOfficer]] = defaultdict(list)
    for officer in active_officers().filter(authority_id__in=list(authority_ids)):
        grouped[officer.authority_id].append(officer)
    return grouped


def authorities_for_list() -> QuerySet[Authority]:
    """All authorities, current ones first, with their active officers prefetched."""
    return Authority.objects.select_related("parent").prefetch_related(
        Prefetch("officers", queryset=active_officers(), to_attr="active_officers")
    )


@dataclass
class AuthorityDetail:
    authority: Authority
    officers: list[ContactCard]
    spaces: list
    units: list[Authority]
    predecessors: list[Authority]
    successors: list[Authority]


def authority_detail(viewer, authority: Authority) -> AuthorityDetail:
    from spaces.models import Membership, Space

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


def representation_matrix() -> tuple[list, list[MatrixRow]]:
    """Current authorities x spaces: who represents whom, empty cells are the gaps. 3 queries."""
    from spaces.models import Membership, Space

    spaces = list(Space.objects.all())
    authorities = list(Authority.objects.current().order_by("kind", "code"))
    cells: dict[tuple[int, int], list[Person]] = defaultdict(list)
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
