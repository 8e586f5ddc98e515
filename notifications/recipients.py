"""Whom a notice concerns: reads for the receivers and the daily jobs."""

from __future__ import annotations

from collections.abc import Iterable

from contacts.models import DigitalOfficer, User
from core.audiences import Viewer
from projects.models import Project
from projects.permissions import PROJECT
from spaces.models import Membership


def space_coordinators(space_ids: Iterable[int]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            person__memberships__in=Membership.objects.active().filter(
                space_id__in=list(space_ids), role=Membership.Role.COORDINATOR
            ),
        ).distinct()
    )


def space_staff(space_ids: Iterable[int]) -> list[User]:
    """Coordinators and members (not guests) of the spaces."""
    return list(
        User.objects.filter(
            is_active=True,
            person__memberships__in=Membership.objects.active()
            .filter(space_id__in=list(space_ids))
            .exclude(role=Membership.Role.GUEST),
        ).distinct()
    )


def authority_officers(authority_ids: Iterable[int]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            person__officer_roles__in=DigitalOfficer.objects.active().filter(
                authority_id__in=list(authority_ids)
            ),
        ).distinct()
    )


def project_space_ids(project: Project) -> set[int]:
    return {project.primary_space_id, *project.spaces.values_list("pk", flat=True)}


def project_people(project: Project, action: str = "view") -> list[User]:
    """Who works on the project and may `action` it: the staff of its spaces, its contact
    persons, the officers of its lead authority."""
    candidates = [
        *space_staff(project_space_ids(project)),
        *User.objects.filter(is_active=True, person__in=project.contact_persons.all()),
        *authority_officers([project.lead_authority_id]),
    ]
    return _who_may(candidates, project, action)


def project_stewards(project: Project) -> list[User]:
    """Who answers for the project's budget and milestones: officers of the lead authority,
    coordinators of the primary space, the contact persons."""
    candidates = [
        *authority_officers([project.lead_authority_id]),
        *space_coordinators([project.primary_space_id]),
        *User.objects.filter(is_active=True, person__in=project.contact_persons.all()),
    ]
    return _who_may(candidates, project, "view")


def _who_may(candidates: Iterable[User], project: Project, action: str) -> list[User]:
    unique = {user.pk: user for user in candidates}
    return [user for user in unique.values() if PROJECT.can(user, action, project)]


def budget_readers(project: Project) -> list[User]:
    return [u for u in project_stewards(project) if PROJECT.can(u, "see_budget", project)]


def active_user(user: Viewer) -> User | None:
    return user if user is not None and user.is_active else None
