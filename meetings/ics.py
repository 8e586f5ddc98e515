"""Meetings as iCalendar (RFC 5545, with the `icalendar` library): one meeting's .ics and a
person's feed. Times carry TZID=Europe/Berlin with its VTIMEZONE; the UID stays the meeting's
for ever and SEQUENCE counts its changes, so calendars update the event instead of adding one;
a cancelled meeting is STATUS:CANCELLED."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Meeting

PRODID = "-//Freie und Hansestadt Hamburg//Digitale Räume//DE"


def portal_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def uid(meeting: Meeting) -> str:
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "digitale-raeume.hamburg.de"
    return f"meeting-{meeting.uid}@{host}"


def _event(meeting: Meeting) -> Event:
    event = Event()
    link = portal_url(meeting.get_absolute_url())
    event.add("uid", uid(meeting))
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title)
    event.add("dtstart", timezone.localtime(meeting.starts_at))
    event.add("dtend", timezone.localtime(meeting.ends_at))
    location = ", ".join(v for v in (meeting.place, meeting.video_url) if v)
    if location:
        event.add("location", location)
    if meeting.video_url:
        event.add("conference", meeting.video_url, parameters={"VALUE": "URI"})
    event.add("url", link)
    description = [str(meeting.space)]
    if meeting.agenda:
        description += ["", _("Tagesordnung:"), meeting.agenda]
    # The agenda's files as links in the text, not as ATTACH: a calendar fetches an ATTACH
    # without the person's session and would get the sign-in page instead of the file.
    files = getattr(meeting, "agenda_files", None)
    if files:
        description += ["", _("Unterlagen zur Tagesordnung (nach Anmeldung im Portal):")]
        description += [f"{f.original_name}: {portal_url(f.get_download_url())}" for f in files]
    description += ["", _("Im Portal: %(url)s") % {"url": link}]
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if meeting.is_cancelled else "OPAQUE")
    return event


def calendar(meetings: Iterable[Meeting], *, name: str = "") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for meeting in meetings:
        cal.add_component(_event(meeting))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
