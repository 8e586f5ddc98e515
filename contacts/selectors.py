"""Reads of people and authorities, shaped for the viewer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from core.audiences import Actor, Viewer, is_signed_in, is_staff_of_administration
from core.personal_data import Subject
from core.personal_data import export as export_personal_data

from .models import Authority, DigitalOfficer, Organisation, Person
from .permissions import PERSON


@dataclass(frozen=True)
class ContactCard:
    """A person as one viewer may see them: masked contact details, maybe no affiliation."""

    person: Person
    name: str
    function: str
    email: str | None
    phone: str | None
    affiliation: Authority | Organisation | None
    # May the viewer open the person's page (spaces:person)? Names link there only then.
    openable: bool = False


def contact_card(viewer: Viewer, person: Person, *, affiliation: Any = None) -> ContactCard:
    if PERSON.can(viewer, "see_affiliation", person):
        affiliation = affiliation or person.affiliation
    else:
        affiliation = None
    return ContactCard(
        person=person,
        name=person.name,
        function=person.function,
        email=person.user.email if PERSON.can(viewer, "see_email", person) else None,
        phone=(person.phone or None) if PERSON.can(viewer, "see_phone", person) else None,
        affiliation=affiliation,
        openable=is_signed_in(viewer) and PERSON.can(viewer, "view", person),
    )


def contact_cards(viewer: Viewer, people: Iterable[Person]) -> list[ContactCard]:
    """The cards of a page of people; what their rules look up, looked up for all at once
    (a guest's "shares a space with me" for these people, not for everyone they share with)."""
    people = list(people)
    PERSON.prime(viewer, people)
    return [contact_card(viewer, p) for p in people]


def own_person(user: Actor) -> Person | None:
    """The signed-in person's own profile (None for an account without one)."""
    return (
        Person.objects.filter(user=user).select_related("user", "authority", "organisation").first()
    )


def with_active_account(person: str = "person") -> Q:
    """Rows whose person (the `person` foreign key) has an active account. Written as "not one
    of the few without" (user_inactive_idx), so a count over a space's thousands of members
    reads only the memberships, not every person and account of the city in a join."""
    inactive = Person.objects.filter(user__is_active=False).order_by().values("pk")
    return ~Q(**{f"{person}_id__in": inactive})


def active_officers() -> QuerySet[DigitalOfficer]:
    return (
        DigitalOfficer.objects.active()
        .filter(with_active_account())
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


def sees_affiliations(viewer: Viewer) -> bool:
    """Staff see whom people represent; guests see names and functions only."""
    return is_staff_of_administration(viewer)


def personal_data(user: Actor) -> dict[str, Any]:
    """Everything the portal stores about one account (every app's privacy.py)."""
    person = own_person(user)
    # The name in every spelling and the address come from the Subject; the phone as written.
    needles = [person.phone] if person is not None and person.phone else []
    return export_personal_data(Subject(user=user, person=person, needles=needles))
