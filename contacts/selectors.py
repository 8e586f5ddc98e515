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


def own_person(user) -> Person | None:
    """The signed-in person's own profile (None for an account without one)."""
    return (
        Person.objects.filter(user=user).select_related("user", "authority", "organisation").first()
    )


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


# --- Data protection: what the portal stores about a person (Art. 15 DSGVO) -----------------


def _iso(value):
    # Dates stay dates here: the page formats them, the JSON export writes ISO 8601.
    return value


def personal_data(user) -> dict:
    """Everything the portal stores about one account, shaped for the person and for JSON."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    from core.models import AuditEntry, SecurityEvent
    from spaces.models import Membership

    from .models import Invitation

    person = Person.objects.filter(user=user).select_related("authority", "organisation").first()
    data: dict = {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_itd_staff": user.is_itd_staff,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("email")
            ],
            "mfa": [
                {
                    "type": a.type,
                    "created_at": _iso(a.created_at),
                    "last_used_at": _iso(a.last_used_at),
                }
                for a in Authenticator.objects.filter(user=user).order_by("created_at")
            ],
            "sessions": [
                {
                    "created_at": _iso(s.created_at),
                    "last_seen_at": _iso(s.last_seen_at),
                    "ip": s.ip,
                    "user_agent": s.user_agent,
                }
                for s in UserSession.objects.filter(user=user).order_by("-last_seen_at")
            ],
        },
        "profile": None,
        "memberships": [],
        "officer_roles": [],
        "invitations_received": [],
        "invitations_sent": [],
        "security_log": [],
        "audit_entries_made": [],
    }
    if person is not None:
        data["profile"] = {
            "function": person.function,
            "phone": person.phone,
            "authority": str(person.authority) if person.authority else None,
            "organisation": str(person.organisation) if person.organisation else None,
            "email_visible_to_guests": person.email_visible_to_guests,
            "phone_visible_to_guests": person.phone_visible_to_guests,
            "terms_accepted_at": _iso(person.terms_accepted_at),
            "privacy_accepted_at": _iso(person.privacy_accepted_at),
        }
        data["memberships"] = [
            {
                "space": str(m.space),
                "role": m.get_role_display(),
                "represents": str(m.represents) if m.represents else None,
                "since": _iso(m.since),
                "until": _iso(m.until),
                "ended_at": _iso(m.ended_at),
                "invited_by": str(m.invited_by) if m.invited_by else None,
            }
            for m in Membership.objects.filter(person=person)
            .select_related("space", "authority", "organisation", "invited_by")
            .order_by("-since", "pk")
        ]
        data["officer_roles"] = [
            {
                "authority": str(o.authority),
                "role": o.get_role_display(),
                "since": _iso(o.since),
                "until": _iso(o.until),
            }
            for o in DigitalOfficer.objects.filter(person=person)
            .select_related("authority")
            .order_by("-since", "pk")
        ]

    def invitation_row(i: Invitation) -> dict:
        return {
            "email": i.email,
            "space": str(i.space),
            "role": i.get_role_display(),
            "status": i.get_status_display(),
            "until": _iso(i.until),
            "message": i.message,
            "invited_by": str(i.invited_by) if i.invited_by else None,
            "created_at": _iso(i.created_at),
            "accepted_at": _iso(i.accepted_at),
            "revoked_at": _iso(i.revoked_at),
        }

    invitations = Invitation.objects.select_related("space", "invited_by")
    data["invitations_received"] = [
        invitation_row(i) for i in invitations.filter(email__iexact=user.email)
    ]
    data["invitations_sent"] = [invitation_row(i) for i in invitations.filter(invited_by=user)]
    data["security_log"] = [
        {
            "created_at": _iso(e.created_at),
            "kind": e.get_kind_display(),
            "ip": e.ip,
            "detail": e.detail,
        }
        for e in SecurityEvent.objects.filter(user=user)
    ]
    data["audit_entries_made"] = [
        {
            "created_at": _iso(e.created_at),
            "action": e.get_action_display(),
            "object": e.object_repr,
            "changes": e.changes,
        }
        for e in AuditEntry.objects.filter(actor=user)
    ]
    return data
