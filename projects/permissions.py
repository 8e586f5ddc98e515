"""Who may see and do what with projects and their budget (the access matrix), written once.

"Own" project: the viewer coordinates or is a member of its primary or a further space, or is a
digitalisation officer of its lead or a participating authority. A guest of a space sees its
public and internal projects; a restricted project ("the participants only") only when invited
to that very project.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from contacts.models import Person
from contacts.permissions import officer_authority_ids
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
from core.rules import AnyRelated, Attr, AttrIn, RuleTable, Via, fact, has_any
from spaces.models import Membership
from spaces.permissions import coordinated_space_ids, guest_space_ids, staff_space_ids

from .models import BudgetLine, Milestone, Project, ProjectGuest, ProjectLink

# Cached on the user object for the request (see contacts.permissions).
_INVITED_CACHE = "_portal_invited_projects"


def _guests_of(ids: Collection[int] | None) -> Q:
    """The accounts that are active guests of one of the projects `ids` (of any: None)."""
    invitations = ProjectGuest.objects.active()
    if ids is not None:
        invitations = invitations.filter(project_id__in=list(ids))
    return Q(person__in=invitations.values("person_id"))


@fact(_guests_of)
def invited_project_ids(user: Viewer) -> frozenset[int]:
    """Projects the user is an active guest of (a single-project invitation); cached."""
    if not is_signed_in(user):
        return frozenset()
    cached: frozenset[int] | None = getattr(user, _INVITED_CACHE, None)
    if cached is None:
        cached = frozenset(project_invitations_of(user).values_list("project_id", flat=True))
        setattr(user, _INVITED_CACHE, cached)
    return cached


def project_invitations_of(user: Actor) -> QuerySet[ProjectGuest]:
    """The account's running project invitations (read here, and with the other facts in one
    query by portal.facts)."""
    return ProjectGuest.objects.active().filter(person__user=user)


def remember_invited_project_ids(user: Viewer, ids: Collection[int]) -> None:
    setattr(user, _INVITED_CACHE, frozenset(ids))


def _in_spaces(ids: Any) -> rules.Rule:
    return AttrIn("primary_space_id", ids) | AnyRelated("spaces", ids)


def _of_authorities(ids: Any) -> rules.Rule:
    return AttrIn("lead_authority_id", ids) | AnyRelated("participating_authorities", ids)


PUBLIC = Attr("visibility", Project.Visibility.PUBLIC)
INTERNAL = Attr("visibility", Project.Visibility.INTERNAL)
# The viewer's own projects: their spaces as coordinator or member, their authorities as officer.
OWN = STAFF & (_in_spaces(staff_space_ids) | _of_authorities(officer_authority_ids))
INVITED = AttrIn("pk", invited_project_ids)
# The cockpit's scope: the spaces a coordinator runs and the authorities an officer represents.
STEERED = STAFF & (_in_spaces(coordinated_space_ids) | _of_authorities(officer_authority_ids))
STEERS_SOMETHING = has_any(coordinated_space_ids, "coordinates") | has_any(
    officer_authority_ids, "officer"
)


@fact(
    lambda ids: Q(person__authority__isnull=False) if ids is None else Q(person__authority__in=ids)
)
def own_authority_ids(user: Viewer) -> frozenset[int]:
    """The authority the user works for (their profile's), if any."""
    if not is_signed_in(user):
        return frozenset()
    try:
        authority_id = user.person.authority_id
    except ObjectDoesNotExist:
        return frozenset()
    return frozenset({authority_id}) if authority_id is not None else frozenset()


# "My projects" on the dashboard: a guest's (of their spaces, invited to), what a coordinator or
# officer steers, else a staff member's spaces and their own authority's projects.
MINE = (
    ITD
    | (EXTERNAL & (_in_spaces(guest_space_ids) | INVITED))
    | STEERED
    | (
        STAFF
        & ~STEERS_SOMETHING
        & (_in_spaces(staff_space_ids) | _of_authorities(own_authority_ids))
    )
)
# Edit: the coordinator of the primary space, an officer of the lead authority.
LEADS = STAFF & (
    AttrIn("primary_space_id", coordinated_space_ids)
    | AttrIn("lead_authority_id", officer_authority_ids)
)

# Public: everyone; internal: staff, and guests of its spaces or of the project; restricted:
# ITD, own people, guests invited to this project.
VIEW = (
    ITD
    | PUBLIC
    | (ADMINISTRATION & INTERNAL)
    | OWN
    | (EXTERNAL & INTERNAL & _in_spaces(guest_space_ids))
    | INVITED
)
# Who takes part in its discussions and documents: ITD, its own people, guests of its spaces
# and guests invited to it, within who may see it (other staff may see an internal project,
# but do not take part).
TAKES_PART = ITD | OWN | INVITED | (EXTERNAL & _in_spaces(guest_space_ids))

PROJECT = RuleTable(
    Project,
    {
        "view": VIEW,
        "take_part": VIEW & TAKES_PART,
        "edit": ITD | LEADS,
        "delete": ITD | LEADS,
        # Budget figures: ITD, own coordinators, officers and members. Never guests or other
        # staff; anonymous visitors see published aggregates only (never a single project).
        "see_budget": ITD | OWN,
        "edit_budget": ITD | (STAFF & AttrIn("lead_authority_id", officer_authority_ids)),
        "cockpit": ITD | STEERED,
        # The projects of one's dashboard, within what one may see.
        "dashboard": VIEW & MINE,
        # Guests into one single project: ITD only.
        "invite_guest": ITD,
    },
)

BUDGET_LINE = RuleTable(
    BudgetLine, {"view": Via("project", "see_budget"), "edit": Via("project", "edit_budget")}
)
MILESTONE = RuleTable(Milestone, {"view": Via("project", "view"), "edit": Via("project", "edit")})
LINK = RuleTable(ProjectLink, {"view": Via("project", "view"), "edit": Via("project", "edit")})
PROJECT_GUEST = RuleTable(
    ProjectGuest,
    {
        "view": Via("project", "edit"),
        "edit": Via("project", "edit"),
        # Ending a guest's access: its editors, and the system (the daily job for an end date
        # that passed, anonymisation, a new invitation replacing an expired one).
        "end": Via("project", "edit") | SYSTEM,
    },
)

GLOBAL = RuleTable(
    None,
    {
        # ITD, coordinators (for their spaces) and officers (for their authorities).
        "create_project": ITD | (STAFF & STEERS_SOMETHING),
        "view_cockpit": ITD | (STAFF & STEERS_SOMETHING),
        "see_any_budget": ITD
        | (
            STAFF & (has_any(staff_space_ids, "member") | has_any(officer_authority_ids, "officer"))
        ),
        # Cost rates, cost categories, funding sources, programme budget: ITD only.
        "manage_cost_rates": ITD,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    """`can(user, "edit_budget", project)`; on no object: `can(user, "create_project")`."""
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


def budget_condition(user: Viewer) -> Q | None:
    """SQL condition for projects whose budget the user may see (EVERYTHING for ITD)."""
    return PROJECT.q(user, "see_budget")


def contact_person_candidates(viewer: Viewer, project: Project | None) -> QuerySet[Person]:
    """Whom the viewer may pick as contact persons: people they see who may also see the
    project (administration staff, and guests of its spaces or of the project itself). The
    service checks each chosen person against the project's rule exactly."""
    candidates = Q(authority__isnull=False) | Q(user__is_itd_staff=True)
    if project is not None:
        space_ids = {project.primary_space_id, *(s.pk for s in project.spaces.all())}
        candidates |= Q(
            pk__in=Membership.objects.active().filter(space_id__in=space_ids).values("person_id")
        )
        candidates |= Q(
            pk__in=ProjectGuest.objects.active().filter(project=project).values("person_id")
        )
    return (
        Person.objects.visible_to(viewer)
        .filter(candidates)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
