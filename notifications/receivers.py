"""What the outbox writes for each domain event (core.events), in the event's transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from core import events
from core.audiences import Viewer
from core.dates import format_date
from core.money import format_euro
from projects.models import Project

from . import recipients
from .kinds import Kind
from .services import notify, notify_each, withdraw


def _project(project: Project) -> Project:
    """The project with what the access rules read for each recipient."""
    return (
        Project.objects.select_related("primary_space", "lead_authority")
        .prefetch_related("spaces", "participating_authorities", "contact_persons")
        .get(pk=project.pk)
    )


# --- Invitations ------------------------------------------------------------------------------


def on_invitation_sent(*, invitation: Any, token: str, actor: Viewer, **rest: Any) -> None:
    """The invitation e-mail, with its secret link (stored encrypted, sent after commit)."""
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "access:invitation_accept", kwargs={"token": token}
    )

    def mail() -> tuple[str, str, str]:
        context = {
            "invitation": invitation,
            "link": link,
            "inviter": invitation.invited_by,
            "link_days": 14,
            "base_url": settings.PORTAL_BASE_URL.rstrip("/"),
        }
        rendered = render_to_string("access/email/invitation_subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(rendered.split())
        text = render_to_string("access/email/invitation_message.txt", context)
        html = render_to_string("access/email/invitation_message.html", context)
        return subject, text, html

    withdraw(subject_ref=f"invitation:{invitation.pk}", kind=Kind.INVITATION_SENT)
    notify(
        kind=Kind.INVITATION_SENT,
        email=invitation.email,
        mail=mail,
        compose=lambda: ("", []),
        secret=True,
        space=invitation.space,
        project=invitation.project,
        subject_ref=f"invitation:{invitation.pk}",
    )


def on_invitation_withdrawn(*, invitation: Any, **rest: Any) -> None:
    withdraw(subject_ref=f"invitation:{invitation.pk}", kind=Kind.INVITATION_SENT)


def on_invitation_accepted(*, invitation: Any, actor: Viewer, **rest: Any) -> None:
    inviter = recipients.active_user(invitation.invited_by)
    if inviter is None:
        return
    target = invitation.target

    def compose() -> tuple[str, list[str]]:
        title = _("%(person)s hat die Einladung angenommen: %(target)s") % {
            "person": actor,
            "target": target,
        }
        return title, [
            _("Der Zugang gilt bis %(until)s.") % {"until": format_date(invitation.until)}
        ]

    notify(
        kind=Kind.INVITATION_ACCEPTED,
        recipient=inviter,
        compose=compose,
        url=target.get_absolute_url(),
        space=invitation.space,
        project=invitation.project,
    )


# --- Memberships ------------------------------------------------------------------------------


def _membership_notice(
    membership: Any, kind: str, actor: Viewer, *, to_member: Any, to_coordinators: Any = None
) -> None:
    """To the member; to the space's coordinators as well when someone joins or leaves."""
    space = membership.space
    member = membership.person.user
    fields = {"url": space.get_absolute_url(), "space": space}
    notify_each([member], kind=kind, compose=lambda _user: (to_member(), []), **fields)
    if to_coordinators is not None:
        coordinators = [u for u in recipients.space_coordinators([space.pk]) if u.pk != member.pk]
        notify_each(
            coordinators,
            kind=kind,
            compose=lambda _user: (to_coordinators(), []),
            exclude=actor,
            **fields,
        )


def on_membership_added(*, membership: Any, actor: Viewer, **rest: Any) -> None:
    values = {
        "person": membership.person,
        "role": membership.get_role_display(),
        "space": membership.space,
    }
    _membership_notice(
        membership,
        Kind.MEMBERSHIP_ADDED,
        actor,
        to_member=lambda: _("Sie sind jetzt %(role)s im Raum %(space)s") % values,
        to_coordinators=lambda: _("%(person)s ist jetzt %(role)s im Raum %(space)s") % values,
    )


def on_membership_changed(*, membership: Any, actor: Viewer, **rest: Any) -> None:
    values = {"role": membership.get_role_display(), "space": membership.space}
    _membership_notice(
        membership,
        Kind.MEMBERSHIP_CHANGED,
        actor,
        to_member=lambda: _("Ihre Rolle im Raum %(space)s: %(role)s") % values,
    )


def on_membership_ended(*, membership: Any, actor: Viewer, **rest: Any) -> None:
    values = {"person": membership.person, "space": membership.space}
    _membership_notice(
        membership,
        Kind.MEMBERSHIP_ENDED,
        actor,
        to_member=lambda: _("Ihre Mitgliedschaft im Raum %(space)s ist beendet") % values,
        to_coordinators=lambda: (
            _("Die Mitgliedschaft von %(person)s im Raum %(space)s ist beendet") % values
        ),
    )


# --- Projects and budgets ---------------------------------------------------------------------


def on_project_created(*, project: Any, actor: Viewer, **rest: Any) -> None:
    project = _project(project)
    notify_each(
        recipients.project_people(project),
        kind=Kind.PROJECT_CREATED,
        compose=lambda _user: (
            _("Neues Projekt im Raum %(space)s: %(project)s")
            % {"space": project.primary_space, "project": project},
            [project.summary] if project.summary else [],
        ),
        exclude=actor,
        url=project.get_absolute_url(),
        space=project.primary_space,
        project=project,
    )


def on_project_status_changed(
    *, project: Any, actor: Viewer, old: str, new: str, **rest: Any
) -> None:
    project = _project(project)
    labels = dict(Project.Status.choices)
    notify_each(
        recipients.project_people(project),
        kind=Kind.PROJECT_STATUS,
        compose=lambda _user: (
            _("%(project)s: Status %(new)s") % {"project": project, "new": labels.get(new, new)},
            [_("Bisher: %(old)s") % {"old": labels.get(old, old)}],
        ),
        exclude=actor,
        url=project.get_absolute_url(),
        space=project.primary_space,
        project=project,
    )


def on_project_health_changed(
    *, project: Any, actor: Viewer, old: str, new: str, reason: str, **rest: Any
) -> None:
    project = _project(project)
    labels = dict(Project.Health.choices)

    def compose(_user: Any) -> tuple[str, list[str]]:
        title = _("%(project)s: Ampel %(new)s") % {
            "project": project,
            "new": labels.get(new, new),
        }
        lines = [_("Bisher: %(old)s") % {"old": labels.get(old, old)}]
        if reason:
            lines.append(_("Begründung: %(reason)s") % {"reason": reason})
        return title, lines

    notify_each(
        recipients.project_people(project),
        kind=Kind.PROJECT_HEALTH,
        compose=compose,
        exclude=actor,
        url=project.get_absolute_url(),
        space=project.primary_space,
        project=project,
    )


def on_budget_over_plan(
    *, project: Any, fiscal_year: Any, figures: Any, actor: Viewer, **rest: Any
) -> None:
    project = _project(project)
    notify_each(
        recipients.budget_readers(project),
        kind=Kind.BUDGET_OVER_PLAN,
        compose=lambda _user: (
            _("%(project)s liegt %(year)s über dem fortgeschriebenen Plan")
            % {"project": project, "year": fiscal_year},
            [
                _("Fortgeschriebener Plan: %(revised)s; gebunden: %(committed)s; Ist: %(actual)s")
                % {
                    "revised": format_euro(figures.revised),
                    "committed": format_euro(figures.committed),
                    "actual": format_euro(figures.actual),
                }
            ],
        ),
        exclude=actor,
        url=f"{project.get_absolute_url()}#budget-{fiscal_year}",
        space=project.primary_space,
        project=project,
        dedup_key=f"project:{project.pk}:over:{fiscal_year}:{figures.actual}:{figures.committed}",
    )


def connect() -> None:
    """Called from NotificationsConfig.ready()."""
    for event, receiver in (
        (events.INVITATION_SENT, on_invitation_sent),
        (events.INVITATION_WITHDRAWN, on_invitation_withdrawn),
        (events.INVITATION_ACCEPTED, on_invitation_accepted),
        (events.MEMBERSHIP_ADDED, on_membership_added),
        (events.MEMBERSHIP_CHANGED, on_membership_changed),
        (events.MEMBERSHIP_ENDED, on_membership_ended),
        (events.PROJECT_CREATED, on_project_created),
        (events.PROJECT_STATUS_CHANGED, on_project_status_changed),
        (events.PROJECT_HEALTH_CHANGED, on_project_health_changed),
        (events.BUDGET_OVER_PLAN, on_budget_over_plan),
    ):
        events.subscribe(event, receiver)
