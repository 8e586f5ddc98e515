"""Reads of spaces and of who represents whom, shaped for the viewer: the space page, the people
directory, an authority's page and the representation matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from contacts.models import Authority, DigitalOfficer, Organisation, Person
from contacts.permissions import PERSON
from contacts.selectors import (
    ContactCard,
    active_officers,
    contact_card,
    contact_cards,
    officers_by_authority,
    with_active_account,
)
from core import role_origins
from core.audiences import Viewer, is_staff_of_administration
from core.dates import today
from core.narrowing import Narrowed, narrowed
from core.role_origins import Origin

from .home import Activity
from .models import Membership, Space
from .permissions import MEMBERSHIP, SPACE, role_in

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass
class MemberRow:
    membership: Membership
    card: ContactCard
    can_change: bool
    # Given in the portal or by a claim of the service account; shown to those who manage.
    origin: Origin | None = None


@dataclass
class MemberGroup:
    label: str
    rows: list[MemberRow] = field(default_factory=list)


@dataclass
class RepresentedGroup:
    """Whom members of the space represent, and how many (the space page's overview)."""

    key: str  # "a<authority id>", "o<organisation id>" or "-" (none)
    label: str
    count: int
    authority: Authority | None = None


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
    represented: list[RepresentedGroup] = field(default_factory=list)
    page: Any = None  # the page of members shown (django.core.paginator.Page)
    shown_count: int = 0  # members matching the search
    former: list[MemberRow] = field(default_factory=list)  # the most recently ended
    former_count: int = 0


MEMBERS_PER_PAGE = 50
FORMER_SHOWN = 20
NO_AFFILIATION = "-"


def spaces_with_counts(user: Viewer) -> QuerySet[Space]:
    """The seven spaces; staff also see how many active members each has."""
    on = today()
    active = Q(memberships__ended_at__isnull=True, memberships__since__lte=on) & (
        Q(memberships__until__isnull=True) | Q(memberships__until__gte=on)
    )
    return Space.objects.visible_to(user).annotate(
        member_count=Count("memberships", filter=active, distinct=True)
    )


def _space_memberships(
    user: Viewer, space: Space, *, counting: bool = False
) -> QuerySet[Membership]:
    """The space's current memberships the viewer sees, of active accounts. To list a page in
    name order the accounts are joined (the planner walks the name index); to count them all
    they are not (`with_active_account`: a join would read every person and account)."""
    current = Membership.objects.visible_to(user).active().filter(space=space)
    if counting:
        return current.filter(with_active_account())
    return current.filter(person__user__is_active=True)


def _former_memberships(user: Viewer, space: Space) -> QuerySet[Membership]:
    """Memberships of the space that ended (by hand or at their end date), of people who are
    not members again, the most recently ended first."""
    on = today()
    still_there = Membership.objects.active().filter(space=space).values("person_id")
    return (
        Membership.objects.visible_to(user)
        .filter(space=space, person__user__is_active=True)
        .filter(Q(ended_at__isnull=False) | Q(until__lt=on))
        .exclude(person_id__in=still_there)
        .order_by(Coalesce("ended_at__date", "until").desc(), "-pk")
    )


def member_activity(viewer: Viewer, space: Space, limit: int) -> list[Activity]:
    """New members, for those who may see the space's members (one query)."""
    if not SPACE.can(viewer, "view_members", space):
        return []
    joined = list(
        _space_memberships(viewer, space)
        .select_related("person__user", "person__authority", "person__organisation")
        .order_by("-created_at", "-pk")[:limit]
    )
    # Only the name is shown, which a card never masks: no card and none of its rules (a
    # guest's "shares a space with me" would read everyone the guest shares the space with).
    return [
        Activity(
            when=m.created_at,
            kind="member",
            text=_("Neues Mitglied: %(name)s") % {"name": m.person.name},
        )
        for m in joined
    ]


def _group_key(authority_id: int | None, organisation_id: int | None) -> str:
    if authority_id:
        return f"a{authority_id}"
    if organisation_id:
        return f"o{organisation_id}"
    return NO_AFFILIATION


def _represented_counts(members: QuerySet[Membership]) -> dict[str, int]:
    """How many members represent each authority or organisation (one query, grouped by the
    two ids only: the names come with the page's, see _affiliations)."""
    rows = members.values_list("authority_id", "organisation_id").annotate(n=Count("pk"))
    counts: dict[str, int] = {}
    for authority_id, organisation_id, n in rows.order_by():
        key = _group_key(authority_id, organisation_id)
        counts[key] = counts.get(key, 0) + n
    return counts


@dataclass
class _Affiliations:
    authorities: dict[int, Authority]
    organisations: dict[int, Organisation]

    def attach(self, space: Space, memberships: list[Membership]) -> None:
        """Each membership's space, authority and organisation and its person's, from here:
        the rows were read with only the person and the account joined (every further join
        of the page's query cost the planner more than the whole execution)."""
        for m in memberships:
            m.space = space
            if m.authority_id:
                m.authority = self.authorities[m.authority_id]
            if m.organisation_id:
                m.organisation = self.organisations[m.organisation_id]
            if m.person.authority_id:
                m.person.authority = self.authorities[m.person.authority_id]
            if m.person.organisation_id:
                m.person.organisation = self.organisations[m.person.organisation_id]

    def groups(self, counts: dict[str, int]) -> list[RepresentedGroup]:
        """Whom the members represent, with names, in the order shown."""
        groups = []
        for key, n in counts.items():
            if key[:1] == "a":
                authority = self.authorities[int(key[1:])]
                groups.append(RepresentedGroup(key, str(authority), n, authority))
            elif key[:1] == "o":
                groups.append(RepresentedGroup(key, self.organisations[int(key[1:])].name, n))
            else:
                groups.append(RepresentedGroup(NO_AFFILIATION, _("ohne Zuordnung"), n))
        return sorted(groups, key=lambda g: (g.key == NO_AFFILIATION, g.label))


def _affiliations(memberships: list[Membership], counts: dict[str, int]) -> _Affiliations:
    """The authorities and organisations these memberships, their people and the counted
    groups name: two queries by primary key (none where nothing is named)."""
    authority_ids = {int(k[1:]) for k in counts if k[:1] == "a"}
    organisation_ids = {int(k[1:]) for k in counts if k[:1] == "o"}
    for m in memberships:
        authority_ids.update(i for i in (m.authority_id, m.person.authority_id) if i)
        organisation_ids.update(i for i in (m.organisation_id, m.person.organisation_id) if i)
    return _Affiliations(
        Authority.objects.in_bulk(authority_ids) if authority_ids else {},
        Organisation.objects.in_bulk(organisation_ids) if organisation_ids else {},
    )


def _filter_group(members: QuerySet[Membership], group: str) -> QuerySet[Membership]:
    if group == NO_AFFILIATION:
        return members.filter(authority__isnull=True, organisation__isnull=True)
    if group[:1] == "a" and group[1:].isdigit():
        return members.filter(authority_id=int(group[1:]))
    if group[:1] == "o" and group[1:].isdigit():
        return members.filter(organisation_id=int(group[1:]))
    return members


def _search(members: QuerySet[Membership], q: str) -> QuerySet[Membership]:
    for word in q.split():
        members = members.filter(
            Q(person__user__first_name__icontains=word)
            | Q(person__user__last_name__icontains=word)
            | Q(person__function__icontains=word)
        )
    return members


def _row(user: Viewer, m: Membership) -> MemberRow:
    return MemberRow(
        membership=m,
        card=contact_card(user, m.person, affiliation=m.represents),
        can_change=MEMBERSHIP.can(user, "change", m),
    )


def _mark_origins(rows: list[MemberRow]) -> None:
    """Whether each active membership was given in the portal or by the service account (one
    query per page), for whoever may change them."""
    found = role_origins.origins([row.membership for row in rows])
    for row in rows:
        row.origin = found.get(row.membership.pk)


def space_detail(
    user: Viewer, space: Space, *, q: str = "", group: str = "", page: Any = 1
) -> SpaceDetail:
    """Description, coordinators, whom the members represent (with counts), one page of the
    members found by name or function and group, and the officers of the represented
    authorities (of the chosen one, when one is chosen).

    A fixed number of queries however many members: coordinators (1), groups (1), the page
    (count and rows, 2), former members (count and rows, 2), their authorities and
    organisations (2, by primary key), officers (1), roles (1).
    """
    can_view = SPACE.can(user, "view_members", space)
    role = role_in(user, space)
    detail = SpaceDetail(
        space=space,
        role=role,
        role_label=Membership.Role(role).label if role else None,
        can_view_members=can_view,
        can_manage=SPACE.can(user, "manage_members", space),
        coordinators=[],
        groups=[],
        officers=[],
        member_count=0,
    )
    if not can_view:
        return detail
    # Only the person and the account are joined; the rest comes from _affiliations.
    related = ("person__user",)
    memberships = _space_memberships(user, space)
    coordinators = list(
        memberships.filter(role=Membership.Role.COORDINATOR)
        .select_related(*related)
        .order_by("person__user__last_name", "person__user__first_name", "pk")
    )
    members = memberships.exclude(role=Membership.Role.COORDINATOR)
    show_affiliation = is_staff_of_administration(user)
    counted = _space_memberships(user, space, counting=True)
    counts = _represented_counts(counted.exclude(role=Membership.Role.COORDINATOR))
    detail.member_count = len(coordinators) + sum(counts.values())
    if show_affiliation:
        members = _filter_group(members, group)
    found = _search(members, q).select_related(*related)
    found = found.order_by("person__user__last_name", "person__user__first_name", "pk")
    paginator = Paginator(found, MEMBERS_PER_PAGE)
    # The groups counted them already: no second count (unless a search narrows them).
    chosen = [n for key, n in counts.items() if show_affiliation and key == group]
    if not q.strip() and (chosen or not group or not show_affiliation):
        paginator.count = chosen[0] if chosen else detail.member_count - len(coordinators)
    detail.page = paginator.get_page(page)
    detail.shown_count = detail.page.paginator.count
    former = _former_memberships(user, space)
    detail.former_count = former.count()
    former_shown = list(former.select_related(*related)[:FORMER_SHOWN])
    shown = [*coordinators, *detail.page.object_list, *former_shown]
    affiliations = _affiliations(shown, counts if show_affiliation else {})
    affiliations.attach(space, shown)
    if show_affiliation:
        detail.represented = affiliations.groups(counts)
    # The cards' rules look up what they need for all these people at once (a guest's
    # "shares a space with me": these people, not the thousands of the space).
    PERSON.prime(user, [m.person for m in shown])
    detail.coordinators = [_row(user, m) for m in coordinators]
    groups: dict[str, MemberGroup] = {}
    for m in detail.page.object_list:
        if show_affiliation:
            label = str(m.represents) if m.represents else _("ohne Zuordnung")
        else:
            label = _("Mitglieder")
        groups.setdefault(label, MemberGroup(label=label)).rows.append(_row(user, m))
    detail.groups = [groups[k] for k in sorted(groups)]
    if detail.can_manage:
        _mark_origins([*detail.coordinators, *(r for g in detail.groups for r in g.rows)])
    detail.former = [_row(user, m) for m in former_shown]
    if show_affiliation:
        # Only staff get here, and staff see every active person. Bounded by the number of
        # authorities, not of members.
        represented = detail.represented
        chosen = [g.authority.pk for g in represented if g.authority and g.key == group]
        ids = chosen or [g.authority.pk for g in represented if g.authority]
        for officers_of in officers_by_authority(ids).values():
            detail.officers.extend((contact_card(user, o.person), o) for o in officers_of)
    return detail


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


PEOPLE_TO_PICK = 50  # options the member form's person list shows at once


def addable_people() -> QuerySet[Person]:
    """Who can be added to a space: every person with an active account."""
    return Person.objects.filter(user__is_active=True).select_related(
        "user", "authority", "organisation"
    )


def person_choices(query: str, *, keep: str = "", limit: int = PEOPLE_TO_PICK) -> Narrowed[Person]:
    """The people to add to a space (`addable_people`) whose name or e-mail address holds every
    word of `query`, in name order: the first `limit` of them (plus `keep`, the person a form
    sent back with an error had chosen), and how many match. A list of thousands becomes a
    search."""
    people = addable_people()
    found = narrowed(
        people,
        query,
        ("user__first_name", "user__last_name", "user__email"),
        limit=limit,
        order=("user__last_name", "user__first_name", "pk"),
    )
    if keep.isdigit() and all(str(p.pk) != keep for p in found.shown):
        found.shown += people.filter(pk=int(keep))
    return found


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
    officers = contact_cards(
        viewer,
        [o.person for o in active_officers().filter(authority=authority, person__in=visible)],
    )
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
    cells: list[tuple[Space, int]] = field(default_factory=list)

    @property
    def gaps(self) -> int:
        return sum(1 for _space, count in self.cells if not count)


def representation_matrix() -> tuple[list[Space], list[MatrixRow]]:
    """Current authorities x spaces: how many represent each authority in each space (the
    names are on the space page, filtered by the authority); empty cells are the gaps.
    3 queries: spaces, authorities, one grouped count."""
    spaces = list(Space.objects.all())
    authorities = list(Authority.objects.current().order_by("kind", "code"))
    counts = {
        (r["authority_id"], r["space_id"]): r["n"]
        for r in Membership.objects.active()
        .filter(with_active_account(), authority__isnull=False)
        .exclude(role=Membership.Role.GUEST)
        .values("authority_id", "space_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = [
        MatrixRow(authority=a, cells=[(s, counts.get((a.pk, s.pk), 0)) for s in spaces])
        for a in authorities
    ]
    return spaces, rows


# --- A person's page ----------------------------------------------------------------------------


@dataclass
class PersonPage:
    """A person as the viewer may see them: the card (contact details masked as the matrix
    says), their roles in the spaces whose members the viewer may see, their officer roles."""

    card: ContactCard
    # Each role with its origin (given in the portal or by the service account), which only
    # ITD and the person themselves are shown (None for others).
    memberships: list[tuple[Membership, Origin | None]]
    officer_roles: list[tuple[DigitalOfficer, Origin | None]]
    is_me: bool


def person_page(viewer: Viewer, person: Person) -> PersonPage:
    """Three queries: the person's active memberships in spaces the viewer sees the members of,
    the officer roles, and (for a guest viewer) the people they share a space with; for ITD and
    the person themselves one more per kind of role: where each came from."""
    memberships = list(
        Membership.objects.visible_to(viewer)
        .active()
        .filter(person=person)
        .select_related("space", "authority", "organisation")
        .order_by("space__position")
    )
    officer_roles = list(
        DigitalOfficer.objects.active()
        .filter(person=person)
        .select_related("authority")
        .order_by("authority__code", "role")
    )
    is_me = person.user_id == getattr(viewer, "pk", None)
    shown = PERSON.can(viewer, "see_role_origins", person)
    of_memberships = role_origins.origins(memberships) if shown else {}
    of_officers = role_origins.origins(officer_roles) if shown else {}
    return PersonPage(
        card=contact_cards(viewer, [person])[0],  # looked up for this person alone
        memberships=[(m, of_memberships.get(m.pk)) for m in memberships],
        officer_roles=[(o, of_officers.get(o.pk)) for o in officer_roles],
        is_me=is_me,
    )
