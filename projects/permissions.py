"""Who may see and do what with projects and their budget (DESIGN.md access matrix).

"Own" project: the viewer coordinates or is a member of its primary or a further space, or is a
digitalisation officer of its lead or a participating authority. Guests see a project only when
invited to it, or as guests of one of its spaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from contacts.models import DigitalOfficer
from contacts.permissions import Audience, audience
from spaces.models import Membership
from spaces.permissions import space_roles

if TYPE_CHECKING:
    from .models import Project


def officer_authority_ids(user) -> frozenset[int]:
    """Authorities the user is an active digitalisation officer of; one query, cached."""
    if audience(user) == Audience.ANONYMOUS:
        return frozenset()
    cached = getattr(user, "_portal_officer_authorities", None)
    if cached is None:
        cached = frozenset(
            DigitalOfficer.objects.active()
            .filter(person__user=user)
            .values_list("authority_id", flat=True)
        )
        user._portal_officer_authorities = cached
    return cached


def staff_space_ids(user) -> set[int]:
    """Spaces where the user is coordinator or member (not guest)."""
    return {sid for sid, role in space_roles(user).items() if role != Membership.Role.GUEST}


def coordinated_space_ids(user) -> set[int]:
    return {sid for sid, role in space_roles(user).items() if role == Membership.Role.COORDINATOR}


def guest_space_ids(user) -> set[int]:
    return {sid for sid, role in space_roles(user).items() if role == Membership.Role.GUEST}


def _space_q(space_ids) -> Q:
    from .models import Project

    further = Project.spaces.through.objects.filter(space_id__in=space_ids).values("project_id")
    return Q(primary_space_id__in=space_ids) | Q(pk__in=further)


def _authority_q(authority_ids) -> Q:
    from .models import Project

    through = Project.participating_authorities.through
    participating = through.objects.filter(authority_id__in=authority_ids).values("project_id")
    return Q(lead_authority_id__in=authority_ids) | Q(pk__in=participating)


def own_q(user) -> Q:
    """SQL condition for the viewer's own projects (spaces as staff, authorities as officer)."""
    if audience(user) != Audience.INTERNAL:
        return Q(pk__in=[])
    spaces = staff_space_ids(user)
    authorities = officer_authority_ids(user)
    condition = Q(pk__in=[])
    if spaces:
        condition |= _space_q(spaces)
    if authorities:
        condition |= _authority_q(authorities)
    return condition


def invited_q(user) -> Q:
    """SQL condition for projects the user was invited to (as project or space guest)."""
    from .models import ProjectGuest

    if audience(user) in (Audience.ANONYMOUS, Audience.ITD):
        return Q(pk__in=[])
    invited = ProjectGuest.objects.active().filter(person__user=user).values("project_id")
    condition = Q(pk__in=invited)
    guest_spaces = guest_space_ids(user)
    if guest_spaces:
        condition |= _space_q(guest_spaces)
    return condition


def budget_q(user) -> Q | None:
    """SQL condition for projects whose budget the user may see; None means all of them."""
    kind = audience(user)
    if kind == Audience.ITD:
        return None
    if kind == Audience.INTERNAL:
        return own_q(user)
    return Q(pk__in=[])


def _project_space_ids(project: Project) -> set[int]:
    ids = {project.primary_space_id}
    ids.update(s.pk for s in project.spaces.all())
    return ids


def _project_authority_ids(project: Project) -> set[int]:
    ids = {project.lead_authority_id}
    ids.update(a.pk for a in project.participating_authorities.all())
    return ids


def is_own(user, project: Project) -> bool:
    if audience(user) != Audience.INTERNAL:
        return False
    if staff_space_ids(user) & _project_space_ids(project):
        return True
    return bool(officer_authority_ids(user) & _project_authority_ids(project))


def can_see_budget(user, project: Project) -> bool:
    """ITD; own coordinators, officers and members. Never guests, other staff, anonymous."""
    kind = audience(user)
    if kind == Audience.ITD:
        return True
    return kind == Audience.INTERNAL and is_own(user, project)


def can_see_any_budget(user) -> bool:
    kind = audience(user)
    if kind == Audience.ITD:
        return True
    return kind == Audience.INTERNAL and bool(staff_space_ids(user) or officer_authority_ids(user))


def can_create_project(user) -> bool:
    """ITD, coordinators (for their spaces) and officers (for their authorities)."""
    kind = audience(user)
    if kind == Audience.ITD:
        return True
    return kind == Audience.INTERNAL and bool(
        coordinated_space_ids(user) or officer_authority_ids(user)
    )


def can_edit_project(user, project: Project) -> bool:
    """ITD, the coordinator of the primary space, an officer of the lead authority."""
    kind = audience(user)
    if kind == Audience.ITD:
        return True
    if kind != Audience.INTERNAL:
        return False
    return project.primary_space_id in coordinated_space_ids(
        user
    ) or project.lead_authority_id in officer_authority_ids(user)


def can_edit_budget(user, project: Project) -> bool:
    """ITD and officers of the lead authority."""
    kind = audience(user)
    if kind == Audience.ITD:
        return True
    return kind == Audience.INTERNAL and project.lead_authority_id in officer_authority_ids(user)


def can_manage_cost_rates(user) -> bool:
    """Cost rates, cost categories, funding sources, programme budget: ITD staff only."""
    return audience(user) == Audience.ITD


def can_view_cockpit(user) -> bool:
    kind = audience(user)
    if kind == Audience.ITD:
        return True
    return kind == Audience.INTERNAL and bool(
        coordinated_space_ids(user) or officer_authority_ids(user)
    )


def cockpit_q(user) -> Q | None:
    """The cockpit's scope: all for ITD; own spaces (coordinator) and authorities (officer)."""
    if audience(user) == Audience.ITD:
        return None
    condition = Q(pk__in=[])
    spaces = coordinated_space_ids(user)
    if spaces:
        condition |= _space_q(spaces)
    authorities = officer_authority_ids(user)
    if authorities:
        condition |= _authority_q(authorities)
    return condition


def contact_person_candidates(viewer, project: Project | None):
    """Whom the viewer may pick as contact persons: people they see who may also see the
    project (administration staff, and guests of its spaces or of the project itself). The
    service checks each chosen person against the project's scope exactly."""
    from contacts.models import Person

    from .models import ProjectGuest

    candidates = Q(authority__isnull=False) | Q(user__is_itd_staff=True)
    if project is not None:
        space_ids = _project_space_ids(project)
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
