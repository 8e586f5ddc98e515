"""Who may see what of people, authorities and contact details (the access matrix).

What follows from the account alone (its audience) lives in core.audiences; a person's roles in
spaces are the spaces app's. Higher layers add to `PEOPLE_A_GUEST_SEES` (a guest sees the
people of their own space) without this module knowing them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from core import rules
from core.audiences import (
    ADMINISTRATION,
    EXTERNAL,
    ITD,
    SIGNED_IN,
    SYSTEM,
    Viewer,
    is_signed_in,
)
from core.rules import Attr, Extensible, RuleTable, Self, fact

from .models import Authority, DigitalOfficer, Person, User

# Facts about the user are cached on the user object for the request, as `_portal_*` attributes.
_OFFICER_CACHE = "_portal_officer_authorities"


def _officers_of(ids: Collection[int] | None) -> Q:
    """The accounts that are active officers of one of `ids` (of any authority: None)."""
    roles = DigitalOfficer.objects.active()
    if ids is not None:
        roles = roles.filter(authority_id__in=list(ids))
    return Q(person__in=roles.values("person_id"))


def officer_roles_of(user: User) -> QuerySet[DigitalOfficer]:
    """The account's active officer roles (read here, and with the other facts in one query by
    portal.facts)."""
    return DigitalOfficer.objects.active().filter(person__user=user)


def remember_officer_authority_ids(user: Viewer, ids: Collection[int]) -> None:
    setattr(user, _OFFICER_CACHE, frozenset(ids))


@fact(_officers_of)
def officer_authority_ids(user: Viewer) -> frozenset[int]:
    """Authorities the user is an active digitalisation officer of; one query, cached."""
    if not is_signed_in(user):
        return frozenset()
    cached: frozenset[int] | None = getattr(user, _OFFICER_CACHE, None)
    if cached is None:
        cached = frozenset(officer_roles_of(user).values_list("authority_id", flat=True))
        setattr(user, _OFFICER_CACHE, cached)
    return cached


def forget_cached_facts(user: Viewer) -> None:
    """Roles changed during the request (tests, services): read them again."""
    for attr in [a for a in vars(user) if a.startswith("_portal_")]:
        delattr(user, attr)


class ActiveAccount(Attr):
    """The person's account is active. As a condition: "not one of the few without" (the
    partial index user_inactive_idx), so that counting the directory reads the people alone
    instead of joining every person with their account (at 40,000 people: 4-7 ms, was 15-16)."""

    def __init__(self) -> None:
        super().__init__("user__is_active", True)

    def q(self, user: Viewer, model: type[Model]) -> Q:
        return ~Q(user_id__in=User.objects.filter(is_active=False).values("pk"))


ACTIVE = ActiveAccount()
# The spaces app adds: the people who share one of the guest's spaces.
PEOPLE_A_GUEST_SEES = Extensible("people a guest shares a space with")

PERSON = RuleTable(
    Person,
    {
        # Staff see every active person; a guest the people of their own spaces, and themselves.
        "view": ACTIVE & (ADMINISTRATION | (EXTERNAL & (Self() | PEOPLE_A_GUEST_SEES))),
        # Staff see e-mail and phone; guests only what the person opted in to.
        "see_email": ADMINISTRATION | Self() | (EXTERNAL & Attr("email_visible_to_guests", True)),
        "see_phone": ADMINISTRATION | Self() | (EXTERNAL & Attr("phone_visible_to_guests", True)),
        # Anonymous visitors see a person only with their consent to be named publicly.
        "see_name": SIGNED_IN | Attr("named_publicly", True),
        # Guests see names and functions, not whom the others represent.
        "see_affiliation": ADMINISTRATION,
        "edit_profile": Self() | ITD,
        # Where each of their roles came from (given in the portal or by a group of the service
        # account): the person themselves and ITD.
        "see_role_origins": Self() | ITD,
    },
)

AUTHORITY = RuleTable(Authority, {"view": SIGNED_IN, "manage": ITD})
OFFICER = RuleTable(
    DigitalOfficer,
    # Ending a role: ITD, and the system when it anonymises the person.
    {"view": SIGNED_IN, "manage": ITD, "end": ITD | SYSTEM},
)

# Anonymising an account (Art. 17 DSGVO): the person themselves, ITD, and the system when the
# retention period of a guest has passed.
USER = RuleTable(
    User,
    {
        "anonymise": Self("pk") | ITD | SYSTEM,
        # Which channel each kind of notice takes: the account's own choice only.
        "set_preferences": Self("pk"),
    },
)

GLOBAL = RuleTable(
    None,
    {
        "view_directory": SIGNED_IN,
        "view_authorities": SIGNED_IN,
        # Spaces, authorities, officers, cost rates: ITD staff only.
        "manage_reference_data": ITD,
        # Who is ITD staff or an officer, and a person's authority: ITD, and the system, which
        # gives and ends these roles by the identity provider's claims
        # (identity.services.claims_apply, by the table ITD keeps).
        "assign_roles": ITD | SYSTEM,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    """`can(user, "see_email", person)`; actions on no object: `can(user, "view_directory")`."""
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


@dataclass(frozen=True)
class ContactVisibility:
    """Which contact details of one person a viewer may see."""

    email: bool
    phone: bool


def contact_visibility(user: Viewer, person: Person) -> ContactVisibility:
    return ContactVisibility(
        email=PERSON.can(user, "see_email", person), phone=PERSON.can(user, "see_phone", person)
    )
