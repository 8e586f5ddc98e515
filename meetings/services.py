"""Every write of the meetings: schedule, change, cancel, minutes, answers, the calendar feed and
the reminder the day before. Each checks permission itself, validates, runs in one
transaction, keeps the audit trail and notifies the invitees in the same transaction (the
notices go out after commit)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contacts.models import Person
from core.audiences import Actor
from core.dates import YEAR_MAX, YEAR_MIN
from core.models import AuditEntry, SecurityEvent
from core.services import audit_record, diff, security_log, snapshot
from notifications.kinds import Kind
from notifications.services import notify_each
from spaces.models import Space

from . import selectors
from .models import Answer, CalendarFeed, Invitee, Meeting
from .permissions import MEETING, may_schedule

AUDITED = ("title", "starts_at", "ends_at", "place", "video_url", "agenda")
# A change of these reaches the calendars (SEQUENCE goes up).
IN_CALENDAR = AUDITED
# A change of these is news for the invitees (MEETING_CHANGED).
NEWS = ("starts_at", "ends_at", "place", "video_url")
MAX_DURATION = dt.timedelta(days=14)
# The security log's kind for the calendar feed's secret link (core.models.SecurityEvent).
FEED_LOG_KIND = SecurityEvent.Kind.CALENDAR_FEED


# --- Validation -------------------------------------------------------------------------------


def _check_times(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if starts_at is None or ends_at is None:
        return errors
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not YEAR_MIN <= timezone.localtime(value).year <= YEAR_MAX:
            errors[name] = _("Bitte einen Zeitpunkt zwischen %(min)s und %(max)s angeben.") % {
                "min": YEAR_MIN,
                "max": YEAR_MAX,
            }
    if errors:
        return errors
    if ends_at <= starts_at:
        errors["ends_at"] = _("Das Ende muss nach dem Beginn liegen.")
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = _("Ein Termin dauert höchstens %(days)s Tage.") % {
            "days": MAX_DURATION.days
        }
    return errors


def _check(meeting: Meeting, invitees: Sequence[Person]) -> None:
    errors = _check_times(meeting.starts_at, meeting.ends_at)
    if not (meeting.place.strip() or meeting.video_url):
        errors["place"] = _("Bitte einen Ort oder einen Link zur Videokonferenz angeben.")
    allowed = set(selectors.invitable_people(meeting.space).values_list("pk", flat=True))
    strangers = [p for p in invitees if p.pk not in allowed]
    if strangers:
        errors["invitees"] = _(
            "Eingeladen werden können nur Personen dieses Raums: %(names)s gehört nicht dazu."
        ) % {"names": ", ".join(str(p) for p in strangers)}
    try:
        meeting.full_clean(exclude=["space", "created_by"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    """The audited values; times in Europe/Berlin, so the same instant compares equal whatever
    zone it was read or entered in."""
    values = snapshot(meeting, AUDITED)
    for name in ("starts_at", "ends_at"):
        value = getattr(meeting, name)
        values[name] = timezone.localtime(value).isoformat() if value else None
    return values


def _require(actor: Actor, action: str, meeting: Meeting) -> None:
    if not MEETING.can(actor, action, meeting):
        raise PermissionDenied


# --- Notices ----------------------------------------------------------------------------------


def when(meeting: Meeting) -> str:
    """ "Dienstag, 3. März 2026, 10:00–11:30 Uhr" in the active language, Europe/Berlin."""
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    day = date_format(start, "l, j. F Y")
    if start.date() == end.date():
        return _("%(day)s, %(start)s–%(end)s Uhr") % {
            "day": day,
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        }
    return _("%(start)s bis %(end)s") % {
        "start": f"{day}, {start:%H:%M}",
        "end": f"{date_format(end, 'l, j. F Y')}, {end:%H:%M}",
    }


def _where(meeting: Meeting) -> list[str]:
    lines = []
    if meeting.place:
        lines.append(_("Ort: %(place)s") % {"place": meeting.place})
    if meeting.video_url:
        lines.append(_("Videokonferenz: %(url)s") % {"url": meeting.video_url})
    return lines


def _notify(
    meeting: Meeting, users: Iterable[Actor], kind: str, *, actor: Actor | None, **extra: Any
) -> int:
    titles: dict[str, Callable[[], str]] = {
        Kind.MEETING_INVITED: lambda: _("Einladung: %(title)s") % {"title": meeting.title},
        Kind.MEETING_CHANGED: lambda: (
            (_("Abgesagt: %(title)s") if meeting.is_cancelled else _("Geändert: %(title)s"))
            % {"title": meeting.title}
        ),
        Kind.MEETING_REMINDER: lambda: _("Morgen: %(title)s") % {"title": meeting.title},
    }

    def compose(_user: Any) -> tuple[str, list[str]]:
        lines = [str(meeting.space), when(meeting), *_where(meeting)]
        if meeting.is_cancelled:
            lines.insert(0, _("Dieser Termin wurde abgesagt."))
        return titles[kind](), lines

    return notify_each(
        users,
        kind=kind,
        compose=compose,
        url=meeting.get_absolute_url(),
        space=meeting.space,
        subject_ref=f"meeting:{meeting.pk}",
        exclude=actor,
        **extra,
    )


def _users(invitees: Iterable[Person]) -> list[Actor]:
    return [p.user for p in invitees if p.user_id is not None]


# --- Meetings ---------------------------------------------------------------------------------


def meeting_create(
    *,
    actor: Actor,
    space: Space,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    video_url: str = "",
    agenda: str = "",
    invitees: Sequence[Person] = (),
) -> Meeting:
    """Schedule a meeting and invite people of the space (they are notified)."""
    if not may_schedule(actor, space):
        raise PermissionDenied
    meeting = Meeting(
        space=space,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        video_url=video_url,
        agenda=agenda,
        created_by=actor,
    )
    _check(meeting, invitees)
    with transaction.atomic():
        meeting.save()
        Invitee.objects.bulk_create(Invitee(meeting=meeting, person=p) for p in invitees)
        audit_record(
            actor=actor,
            instance=meeting,
            action=AuditEntry.Action.CREATE,
            changes={
                **diff({}, _snapshot(meeting)),
                "invitees": {"old": [], "new": sorted(str(p) for p in invitees)},
            },
        )
        _notify(meeting, _users(invitees), Kind.MEETING_INVITED, actor=actor)
    return meeting


def meeting_update(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    video_url: str = "",
    agenda: str = "",
    invitees: Sequence[Person] = (),
) -> Meeting:
    """Change a meeting: the new invitees are invited; the others hear of a new time or place."""
    _require(actor, "manage", meeting)
    if meeting.is_cancelled:
        raise ValidationError(_("Ein abgesagter Termin kann nicht mehr geändert werden."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("space").get(pk=meeting.pk)
        before = _snapshot(meeting)
        for name, value in (
            ("title", title),
            ("starts_at", starts_at),
            ("ends_at", ends_at),
            ("place", place),
            ("video_url", video_url),
            ("agenda", agenda),
        ):
            setattr(meeting, name, value)
        _check(meeting, invitees)
        changes = diff(before, _snapshot(meeting))
        kept = {i.person_id: i for i in meeting.invitees.select_related("person__user")}
        wanted = {p.pk: p for p in invitees}
        added = [p for pk, p in wanted.items() if pk not in kept]
        removed = [pk for pk in kept if pk not in wanted]
        if removed or added:
            old_names = sorted(str(i.person) for i in kept.values())
            changes["invitees"] = {"old": old_names, "new": sorted(str(p) for p in invitees)}
        if set(changes) & set(IN_CALENDAR):
            meeting.sequence += 1
        meeting.updated_at = timezone.now()
        meeting.save(update_fields=[*AUDITED, "sequence", "updated_at"])
        meeting.invitees.filter(person_id__in=removed).delete()
        Invitee.objects.bulk_create(Invitee(meeting=meeting, person=p) for p in added)
        audit_record(
            actor=actor, instance=meeting, action=AuditEntry.Action.UPDATE, changes=changes
        )
        if set(changes) & set(NEWS):
            staying = [i.person for pk, i in kept.items() if pk in wanted]
            _notify(meeting, _users(staying), Kind.MEETING_CHANGED, actor=actor)
        _notify(meeting, _users(added), Kind.MEETING_INVITED, actor=actor)
        _notify_uninvited(meeting, _users(kept[pk].person for pk in removed), actor=actor)
    return meeting


def _notify_uninvited(meeting: Meeting, users: Iterable[Actor], *, actor: Actor) -> None:
    """Who was taken off the list hears of it (the meeting's page is no longer theirs)."""

    def compose(_user: Any) -> tuple[str, list[str]]:
        title = _("Nicht mehr eingeladen: %(title)s") % {"title": meeting.title}
        return title, [str(meeting.space), when(meeting)]

    notify_each(
        users,
        kind=Kind.MEETING_CHANGED,
        compose=compose,
        url=meeting.space.get_absolute_url(),
        space=meeting.space,
        subject_ref=f"meeting:{meeting.pk}",
        exclude=actor,
    )


def meeting_cancel(*, actor: Actor, meeting: Meeting) -> Meeting:
    """Cancel a meeting (it stays, marked cancelled, with STATUS:CANCELLED in calendars)."""
    _require(actor, "manage", meeting)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("space").get(pk=meeting.pk)
        if meeting.is_cancelled:
            return meeting
        meeting.cancelled_at = timezone.now()
        meeting.sequence += 1
        meeting.updated_at = meeting.cancelled_at
        meeting.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        audit_record(
            actor=actor,
            instance=meeting,
            action=AuditEntry.Action.UPDATE,
            changes={"cancelled_at": {"old": None, "new": meeting.cancelled_at.isoformat()}},
        )
        people = [i.person for i in meeting.invitees.select_related("person__user")]
        _notify(meeting, _users(people), Kind.MEETING_CHANGED, actor=actor)
    return meeting


def meeting_minutes_set(*, actor: Actor, meeting: Meeting, minutes: str) -> Meeting:
    """Write or correct the minutes (plain text)."""
    _require(actor, "manage", meeting)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        old = meeting.minutes
        if old == minutes:
            return meeting
        meeting.minutes = minutes
        meeting.full_clean(exclude=["space", "created_by"], validate_constraints=False)
        # The minutes are not part of the calendar event: its revision and stamp stay.
        meeting.save(update_fields=["minutes"])
        audit_record(
            actor=actor,
            instance=meeting,
            action=AuditEntry.Action.UPDATE,
            changes={"minutes": {"old": old, "new": minutes}},
        )
    return meeting


def invitee_answer(*, actor: Actor, meeting: Meeting, answer: str) -> Invitee:
    """The invitee's own answer: attending, not attending, maybe."""
    if not MEETING.can(actor, "view", meeting):
        raise PermissionDenied
    if answer not in (Answer.YES, Answer.NO, Answer.MAYBE):
        raise ValidationError({"answer": _("Bitte eine Antwort wählen.")})
    if meeting.is_cancelled:
        raise ValidationError(_("Dieser Termin wurde abgesagt: eine Antwort ist nicht mehr nötig."))
    if not MEETING.can(actor, "answer", meeting):
        raise ValidationError(_("Sie sind zu diesem Termin nicht eingeladen."))
    with transaction.atomic():
        invitee = Invitee.objects.select_for_update().get(meeting=meeting, person__user=actor)
        if invitee.answer != answer:
            invitee.answer = answer
            invitee.answered_at = timezone.now()
            invitee.save(update_fields=["answer", "answered_at"])
    return invitee


# --- The reminder the day before --------------------------------------------------------------


def reminders_send(*, on: dt.date | None = None) -> int:
    """Remind the invitees of tomorrow's meetings who have not declined. Runs twice, reminds
    once: the notice's dedup_key names the meeting and its day."""
    today = on or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min))
    meetings = Meeting.objects.filter(
        cancelled_at__isnull=True, starts_at__gte=start, starts_at__lt=end
    ).select_related("space")
    sent = 0
    for meeting in meetings:
        with transaction.atomic():
            people = [
                i.person
                for i in meeting.invitees.exclude(answer=Answer.NO).select_related("person__user")
            ]
            # Only who may still see the meeting (a guest whose access ended is not reminded).
            users = [u for u in _users(people) if MEETING.can(u, "view", meeting)]
            sent += _notify(
                meeting,
                users,
                Kind.MEETING_REMINDER,
                actor=None,
                dedup_key=f"meeting-reminder:{meeting.pk}:{tomorrow.isoformat()}",
            )
    return sent


# --- The calendar feed ------------------------------------------------------------------------


def feed_renew(*, actor: Actor, request: HttpRequest | None = None) -> str:
    """A new secret feed URL (the old one stops working); returns the token, shown once."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=actor)
        renewed = feed.is_active
        feed.token_hash = selectors.token_hash(token)
        feed.created_at = timezone.now()
        feed.save(update_fields=["token_hash", "created_at"])
        security_log(
            kind=FEED_LOG_KIND,
            user=actor,
            request=request,
            action="renewed" if renewed else "created",
        )
    return token


def feed_revoke(*, actor: Actor, request: HttpRequest | None = None) -> bool:
    """Switch the feed off: every calendar that subscribed gets 404 from now on."""
    with transaction.atomic():
        revoked = (
            CalendarFeed.objects.filter(user=actor, token_hash__isnull=False).update(
                token_hash=None, created_at=None
            )
            > 0
        )
        if revoked:
            security_log(kind=FEED_LOG_KIND, user=actor, request=request, action="revoked")
    return revoked
