"""Reads for the landing page and the personal dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from contacts.models import Person
from contacts.selectors import ContactCard, active_officers, contact_cards
from core.audiences import Actor, Audience, Viewer, audience, is_staff_of_administration
from projects.selectors.cockpit import Cockpit, cockpit
from projects.selectors.money import published_aggregates
from projects.selectors.portfolio import public_projects
from spaces.models import Membership, Space

from .dashboards import RoleDashboard, role_dashboard


def landing(user: Viewer) -> dict[str, Any]:
    return {
        "spaces": list(Space.objects.visible_to(user)),
        "projects": public_projects(),
        "published": published_aggregates(),
    }


@dataclass
class Dashboard:
    audience: Audience
    person: Person | None
    memberships: list[Membership] = field(default_factory=list)
    officers: list[ContactCard] = field(default_factory=list)
    itd_contacts: list[ContactCard] = field(default_factory=list)
    space_coordinators: list[ContactCard] = field(default_factory=list)
    cockpit: Cockpit | None = None
    more_itd_contacts: str = ""  # the people directory's address, when there are more
    role: RoleDashboard = field(default_factory=RoleDashboard)


DASHBOARD_CONTACTS = 12


def dashboard(user: Actor) -> Dashboard:
    """What matters to me: my spaces and roles, my authority's officers, my contacts at ITD,
    and for ITD, coordinators and officers the cockpit."""
    person = Person.objects.filter(user=user).select_related("authority", "organisation").first()
    dash = Dashboard(
        audience=audience(user), person=person, cockpit=cockpit(user), role=role_dashboard(user)
    )
    if person is None:
        return dash
    dash.memberships = list(
        Membership.objects.active()
        .filter(person=person)
        .select_related("space")
        .order_by("space__position")
    )
    if person.authority_id:
        dash.officers = contact_cards(
            user, [o.person for o in active_officers().filter(authority_id=person.authority_id)]
        )
    if is_staff_of_administration(user):
        itd_people = (
            Person.objects.visible_to(user)
            .filter(authority__code=settings.PORTAL_ITD_AUTHORITY_CODE)
            .exclude(pk=person.pk)
            .select_related("user", "authority")
            .order_by("user__last_name", "user__first_name", "pk")
        )
        # A few, and the rest in the people directory: ITD may have hundreds of people.
        found = list(itd_people[: DASHBOARD_CONTACTS + 1])
        dash.itd_contacts = contact_cards(user, found[:DASHBOARD_CONTACTS])
        if len(found) > DASHBOARD_CONTACTS:
            query = urlencode({"authority": settings.PORTAL_ITD_AUTHORITY_CODE})
            dash.more_itd_contacts = f"{reverse('spaces:people')}?{query}"
    else:
        coordinators = (
            Membership.objects.visible_to(user)
            .active()
            .filter(
                role=Membership.Role.COORDINATOR,
                space_id__in=[m.space_id for m in dash.memberships],
            )
            .select_related("person__user")
        )
        # The cards' rules look up these people at once (a guest's "shares a space with me":
        # the coordinators, not everyone the guest shares a space with).
        dash.space_coordinators = contact_cards(user, [m.person for m in coordinators])
    return dash
