"""What the projects app holds about a person: project invitations, contact-person roles."""

from __future__ import annotations

from typing import Any

from core.audiences import SYSTEM_ACTOR
from core.models import AuditEntry
from core.personal_data import Holding, Subject, redact_rows, register
from core.services import audit_record

from .models import BudgetLine, Milestone, ProgrammeBudget, Project, ProjectGuest, ProjectLink
from .services import project_guest_end

ContactPersons = Project.contact_persons.through


def _guest_roles(subject: Subject) -> Any:
    if subject.person is None:
        return ProjectGuest.objects.none()
    return ProjectGuest.objects.filter(person=subject.person)


def _export_guest_roles(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "project": str(g.project),
            "since": g.since,
            "until": g.until,
            "ended_at": g.ended_at,
            "invited_by": str(g.invited_by) if g.invited_by else None,
        }
        for g in _guest_roles(subject).select_related("project", "invited_by").order_by("pk")
    ]


def _export_contact_for(subject: Subject) -> list[dict[str, Any]]:
    if subject.person is None:
        return []
    return [{"project": str(p)} for p in subject.person.contact_for_projects.order_by("title")]


def _collect(subject: Subject) -> None:
    subject.add_about(ProjectGuest, _guest_roles(subject).values_list("pk", flat=True))


def _anonymise_guest_roles(subject: Subject) -> None:
    for guest in _guest_roles(subject).open():
        project_guest_end(actor=SYSTEM_ACTOR, guest=guest)


def _anonymise_texts(subject: Subject) -> None:
    """What people wrote about projects names the person nowhere (in any spelling). The
    project's address (slug) stays: links to it must keep working."""
    redact_rows(
        Project.objects.all(), ("title", "summary", "description", "health_reason"), subject
    )
    redact_rows(Milestone.objects.all(), ("title",), subject)
    redact_rows(ProjectLink.objects.all(), ("title",), subject)
    redact_rows(BudgetLine.objects.all(), ("note",), subject)
    redact_rows(ProgrammeBudget.objects.all(), ("note",), subject)


def _anonymise_contact_for(subject: Subject) -> None:
    """A deleted person is no contact person any more (the change is audited); no project
    text names them."""
    _anonymise_texts(subject)
    if subject.person is None:
        return
    for project in subject.person.contact_for_projects.all():
        project.contact_persons.remove(subject.person)
        audit_record(
            actor=None,
            instance=project,
            action=AuditEntry.Action.UPDATE,
            changes={"contact_persons": {"old": subject.pseudonym, "new": None}},
        )


register(
    Holding(
        key="project_guest_roles",
        models=(ProjectGuest,),
        export=_export_guest_roles,
        anonymise=_anonymise_guest_roles,
        order=20,
        collect=_collect,
    ),
    Holding(
        key="contact_person_for",
        models=(ContactPersons,),
        export=_export_contact_for,
        anonymise=_anonymise_contact_for,
        order=20,
    ),
)
