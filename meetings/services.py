"""Every write of the meetings: schedule, change, cancel, minutes, the files of the agenda and
the minutes, answers, the calendar feed and the reminder the day before. Each checks
permission itself, validates, runs in one transaction, keeps the audit trail and notifies the
invitees in the same transaction (the notices go out after commit).

A file is checked completely before anything is written (core.uploads: name, size, type from
the content), then stored under a name the portal makes (meetings/<yyyy>/<mm>/<random>.<ext>)
and its row written in the transaction of the change it belongs to; should that transaction
fail, the stored files are removed again: a refused or failed upload leaves neither row nor
file. Removing a file deletes its row at once and the stored file after commit."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contacts.models import Person
from core.audiences import Actor
from core.dates import YEAR_MAX, YEAR_MIN
from core.models import AuditEntry, SecurityEvent
from core.services import audit_record, diff, security_log, snapshot
from core.uploads import Checked, check_upload, store
from notifications.kinds import Kind
from notifications.services import base_url, notify_each
from spaces.models import Space

from . import selectors
from .models import DIRECTORY, Answer, CalendarFeed, Invitee, Meeting, MeetingFile, file_storage
from .permissions import MEETING, MEETING_FILE, may_schedule

AUDITED = ("title", "starts_at", "ends_at", "place", "video_url", "agenda")
# A change of these reaches the calendars (SEQUENCE goes up).
IN_CALENDAR = AUDITED
# A change of these is news for the invitees (MEETING_CHANGED).
NEWS = ("starts_at", "ends_at", "place", "video_url")
MAX_DURATION = dt.timedelta(days=14)
# The security log's kind for the calendar feed's secret link (core.models.SecurityEvent).
FEED_LOG_KIND = SecurityEvent.Kind.CALENDAR_FEED
# The most files the agenda, and the minutes, of one meeting carry.
MAX_FILES_PER_PART = 20
# The form field each part's files are uploaded with (where a refusal is shown).
FILE_FIELDS: dict[str, str] = {
    MeetingFile.Part.AGENDA: "agenda_files",
    MeetingFile.Part.MINUTES: "minutes_files",
}


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


def _check_with_files(
    meeting: Meeting, invitees: Sequence[Person], part: str, uploads: Sequence[Any]
) -> list[Checked]:
    """`_check` and the files' checks, every message at once."""
    errors: dict[str, Any] = {}
    checked: list[Checked] = []
    try:
        _check(meeting, invitees)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        checked = _check_files(meeting, part, uploads)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return checked


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


# --- Files of the agenda and the minutes ------------------------------------------------------


def _check_files(meeting: Meeting | None, part: str, uploads: Sequence[Any]) -> list[Checked]:
    """Every upload checked (ValidationError at the part's field, nothing written)."""
    field = FILE_FIELDS[part]
    checked: list[Checked] = []
    messages: list[str] = []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, field=field))
        except ValidationError as error:
            for message in error.message_dict[field]:
                messages.append(
                    _("%(name)s: %(reason)s")
                    % {"name": getattr(upload, "name", ""), "reason": message}
                    if len(uploads) > 1
                    else message
                )
    if messages:
        raise ValidationError({field: messages})
    there = meeting.files.filter(part=part).count() if meeting is not None and meeting.pk else 0
    if there + len(checked) > MAX_FILES_PER_PART:
        raise ValidationError(
            {
                field: _("Höchstens %(n)s Dateien je Tagesordnung und je Protokoll.")
                % {"n": MAX_FILES_PER_PART}
            }
        )
    return checked


@contextmanager
def _files_stored(checked: Sequence[Checked]) -> Iterator[list[tuple[Checked, str, str]]]:
    """Store the checked files; (file, stored name, SHA-256) each. Should the block fail (its
    transaction rolled back), the stored files are removed again."""
    storage = file_storage()
    stored: list[tuple[Checked, str, str]] = []
    try:
        for one in checked:
            stored.append((one, *store(one, storage=storage, directory=DIRECTORY)))
        yield stored
    except BaseException:
        for _one, name, _sha256 in stored:
            storage.delete(name)
        raise


def _file_label(row: MeetingFile) -> str:
    return f"{row.original_name} ({row.content_type}, {row.size} B, SHA-256 {row.sha256})"


def _attach(
    *, actor: Actor, meeting: Meeting, part: str, stored: Sequence[tuple[Checked, str, str]]
) -> dict[str, Any]:
    """The rows of the stored files (in the caller's transaction); the audit's change."""
    before = [_file_label(f) for f in meeting.files.filter(part=part)]
    added = []
    for checked, name, sha256 in stored:
        row = MeetingFile(
            meeting=meeting,
            part=part,
            file=name,
            original_name=checked.original_name,
            content_type=checked.kind.content_type,
            size=checked.size,
            sha256=sha256,
            uploaded_by=actor,
        )
        row.full_clean()
        row.save()
        added.append(_file_label(row))
    if not added:
        return {}
    return {f"{part}_files": {"old": before, "new": before + added}}


def meeting_file_remove(*, actor: Actor, file: MeetingFile) -> Meeting:
    """Take a file off the agenda or the minutes: the row goes at once, the stored file after
    commit (a rollback keeps both)."""
    meeting = file.meeting
    if not MEETING_FILE.can(actor, "manage", file):
        raise PermissionDenied
    if file.part == MeetingFile.Part.AGENDA and meeting.is_cancelled:
        raise ValidationError(_("Ein abgesagter Termin kann nicht mehr geändert werden."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        row = MeetingFile.objects.filter(pk=file.pk, meeting=meeting).first()
        if row is None:
            return meeting  # removed already
        before = [_file_label(f) for f in meeting.files.filter(part=row.part)]
        name = row.file.name
        row.delete()
        audit_record(
            actor=actor,
            instance=meeting,
            action=AuditEntry.Action.UPDATE,
            changes={
                f"{row.part}_files": {
                    "old": before,
                    "new": [label for label in before if label != _file_label(row)],
                }
            },
        )
        if name:
            transaction.on_commit(lambda: file_storage().delete(name))
    return meeting


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
    meeting: Meeting,
    users: Iterable[Actor],
    kind: str,
    *,
    actor: Actor | None,
    added: Sequence[str] = (),
    **extra: Any,
) -> int:
    titles: dict[str, Callable[[], str]] = {
        Kind.MEETING_INVITED: lambda: _("Einladung: %(title)s") % {"title": meeting.title},
        Kind.MEETING_CHANGED: lambda: (
            (_("Abgesagt: %(title)s") if meeting.is_cancelled else _("Geändert: %(title)s"))
            % {"title": meeting.title}
        ),
        Kind.MEETING_REMINDER: lambda: _("Morgen: %(title)s") % {"title": meeting.title},
    }

    agenda_files = [] if meeting.is_cancelled else list(_agenda_files(meeting))

    def compose(_user: Any) -> tuple[str, list[str]]:
        lines = [str(meeting.space), when(meeting), *_where(meeting)]
        if meeting.is_cancelled:
            lines.insert(0, _("Dieser Termin wurde abgesagt."))
        elif added:
            lines.insert(
                0,
                _("Neue Unterlagen zur Tagesordnung: %(names)s") % {"names": ", ".join(added)},
            )
        if agenda_files:
            lines.append(_("Unterlagen zur Tagesordnung (nach Anmeldung im Portal):"))
            lines += [
                _("%(name)s (%(kind)s, %(size)s): %(url)s")
                % {
                    "name": f.original_name,
                    "kind": f.kind_label,
                    "size": filesizeformat(f.size),
                    "url": base_url() + f.get_download_url(),
                }
                for f in agenda_files
            ]
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


def _agenda_files(meeting: Meeting) -> Iterable[MeetingFile]:
    return MeetingFile.objects.filter(meeting=meeting, part=MeetingFile.Part.AGENDA).order_by(
        "uploaded_at", "pk"
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
    agenda_files: Sequence[Any] = (),
) -> Meeting:
    """Schedule a meeting and invite people of the space (they are notified, with the files of
    the agenda)."""
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
    checked = _check_with_files(meeting, invitees, MeetingFile.Part.AGENDA, agenda_files)
    with _files_stored(checked) as stored, transaction.atomic():
        meeting.save()
        Invitee.objects.bulk_create(Invitee(meeting=meeting, person=p) for p in invitees)
        files = _attach(actor=actor, meeting=meeting, part=MeetingFile.Part.AGENDA, stored=stored)
        audit_record(
            actor=actor,
            instance=meeting,
            action=AuditEntry.Action.CREATE,
            changes={
                **diff({}, _snapshot(meeting)),
                "invitees": {"old": [], "new": sorted(str(p) for p in invitees)},
                **files,
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
    agenda_files: Sequence[Any] = (),
) -> Meeting:
    """Change a meeting, add files to its agenda: the new invitees are invited; the others
    hear of a new time or place, and of files added to the agenda."""
    _require(actor, "manage", meeting)
    if meeting.is_cancelled:
        raise ValidationError(_("Ein abgesagter Termin kann nicht mehr geändert werden."))
    checked = _check_files(meeting, MeetingFile.Part.AGENDA, agenda_files)
    with _files_stored(checked) as stored, transaction.atomic():
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
        changes |= _attach(
            actor=actor, meeting=meeting, part=MeetingFile.Part.AGENDA, stored=stored
        )
        audit_record(
            actor=actor, instance=meeting, action=AuditEntry.Action.UPDATE, changes=changes
        )
        new_files = [checked.original_name for checked, _name, _sha256 in stored]
        if set(changes) & set(NEWS) or new_files:
            # Files added to the agenda later are news too: the invitees hear which ones (the
            # notice lists all of the agenda's files with their links, as the invitation does).
            staying = [i.person for pk, i in kept.items() if pk in wanted]
            _notify(meeting, _users(staying), Kind.MEETING_CHANGED, actor=actor, added=new_files)
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


def meeting_minutes_set(
    *, actor: Actor, meeting: Meeting, minutes: str, minutes_files: Sequence[Any] = ()
) -> Meeting:
    """Write or correct the minutes (plain text), add files to them."""
    _require(actor, "manage", meeting)
    checked = _check_files(meeting, MeetingFile.Part.MINUTES, minutes_files)
    with _files_stored(checked) as stored, transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        old = meeting.minutes
        changes: dict[str, Any] = {}
        if old != minutes:
            meeting.minutes = minutes
            meeting.full_clean(exclude=["space", "created_by"], validate_constraints=False)
            # The minutes are not part of the calendar event: its revision and stamp stay.
            meeting.save(update_fields=["minutes"])
            changes["minutes"] = {"old": old, "new": minutes}
        changes |= _attach(
            actor=actor, meeting=meeting, part=MeetingFile.Part.MINUTES, stored=stored
        )
        audit_record(
            actor=actor, instance=meeting, action=AuditEntry.Action.UPDATE, changes=changes
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
