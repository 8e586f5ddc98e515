"""The daily look ahead: what is due, overdue or ending is notified once per occasion (each
notice carries a key, so a job that runs twice writes nothing twice)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Invitation
from core.dates import format_date, today
from projects.models import Milestone, ProjectGuest
from spaces.models import Membership

from . import recipients
from .kinds import Kind
from .services import notify, notify_each

MILESTONE_AHEAD_DAYS = 7
ACCESS_AHEAD_DAYS = 14
INVITATION_AHEAD_HOURS = 48


def notify_due_and_ending(*, on: dt.date | None = None) -> int:
    on = on or today()
    with transaction.atomic():
        return _milestones(on) + _access_ending(on) + _invitations_expiring(timezone.now())


def _milestones(on: dt.date) -> int:
    count = 0
    due_soon = on + dt.timedelta(days=MILESTONE_AHEAD_DAYS)
    milestones = (
        Milestone.objects.filter(done__isnull=True, due__lte=due_soon)
        .select_related("project__primary_space", "project__lead_authority")
        .prefetch_related("project__contact_persons", "project__spaces")
    )
    for milestone in milestones:
        overdue = milestone.due < on
        kind = Kind.MILESTONE_OVERDUE if overdue else Kind.MILESTONE_DUE
        project = milestone.project

        def compose(_user: Any, m: Milestone = milestone, late: bool = overdue) -> Any:
            values = {"title": m.title, "project": m.project, "due": format_date(m.due)}
            if late:
                return _("Überfällig: %(title)s (%(project)s), fällig seit %(due)s") % values, []
            return _("Bald fällig: %(title)s (%(project)s) am %(due)s") % values, []

        count += notify_each(
            recipients.project_stewards(project),
            kind=kind,
            compose=compose,
            url=project.get_absolute_url(),
            space=project.primary_space,
            project=project,
            dedup_key=f"milestone:{milestone.pk}:{kind}:{milestone.due.isoformat()}",
        )
    return count


def _access_ending(on: dt.date) -> int:
    """To the guest and to whoever invited them: the access ends in 14 days."""
    count = 0
    ending = on + dt.timedelta(days=ACCESS_AHEAD_DAYS)
    guests = (
        Membership.objects.active(on)
        .filter(role=Membership.Role.GUEST, until__lte=ending)
        .select_related("person__user", "space", "invited_by")
    )
    for membership in guests:
        assert membership.until is not None  # a guest's access always ends (a DB constraint)
        count += _ending_notice(
            key=f"membership:{membership.pk}:ending:{membership.until.isoformat()}",
            guest=membership.person.user,
            inviter=membership.invited_by,
            what=membership.space,
            until=membership.until,
            url=membership.space.get_absolute_url(),
            space=membership.space,
        )
    project_guests = (
        ProjectGuest.objects.active(on)
        .filter(until__lte=ending)
        .select_related("person__user", "project", "invited_by")
    )
    for guest in project_guests:
        count += _ending_notice(
            key=f"project-guest:{guest.pk}:ending:{guest.until.isoformat()}",
            guest=guest.person.user,
            inviter=guest.invited_by,
            what=guest.project,
            until=guest.until,
            url=guest.project.get_absolute_url(),
            project=guest.project,
        )
    return count


def _ending_notice(
    *, key: str, guest: Any, inviter: Any, what: Any, until: dt.date, **fields: Any
) -> int:
    values = {"what": what, "until": format_date(until), "person": guest}
    sent = 0
    if notify(
        kind=Kind.ACCESS_ENDING,
        recipient=guest,
        compose=lambda: (
            _("Ihr Zugang zu %(what)s endet am %(until)s") % values,
            [_("Wenn Sie weiter mitarbeiten sollen, bitten Sie um eine Verlängerung.")],
        ),
        dedup_key=key,
        **fields,
    ):
        sent += 1
    if (
        inviter is not None
        and inviter.is_active
        and notify(
            kind=Kind.ACCESS_ENDING,
            recipient=inviter,
            compose=lambda: (
                _("Der Gastzugang von %(person)s zu %(what)s endet am %(until)s") % values,
                [_("In der Liste der Einladungen können Sie ihn verlängern.")],
            ),
            dedup_key=key,
            **fields,
        )
    ):
        sent += 1
    return sent


def _expiring(values: dict[str, Any]) -> tuple[str, list[str]]:
    return (
        _("Der Einladungslink an %(email)s (%(target)s) läuft bald ab") % values,
        [_("Sie können die Einladung in der Liste erneut senden.")],
    )


def _invitations_expiring(now: dt.datetime) -> int:
    """To the inviter: a link not used yet expires within two days."""
    count = 0
    soon = now + dt.timedelta(hours=INVITATION_AHEAD_HOURS)
    pending = (
        Invitation.objects.pending()
        .filter(expires_at__lte=soon)
        .select_related("invited_by", "space", "project")
    )
    for invitation in pending:
        inviter = invitation.invited_by
        if inviter is None:
            continue
        target = invitation.target
        values = {"email": invitation.shown_address, "target": target}
        kind = "project" if invitation.project_id else "space"
        list_url = reverse(f"access:invitation_{kind}_list", args=[target.slug])
        if notify(
            kind=Kind.INVITATION_EXPIRING,
            recipient=inviter,
            compose=partial(_expiring, values),
            url=list_url,
            space=invitation.space,
            project=invitation.project,
            dedup_key=f"invitation:{invitation.pk}:expiring:{invitation.expires_at.date()}",
        ):
            count += 1
    return count
