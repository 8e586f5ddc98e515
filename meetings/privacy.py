"""What the meetings hold about a person: the invitations and answers, the meetings they
scheduled, and whether they have a calendar feed (never its secret)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.personal_data import Holding, Subject, redact_rows, register

from .models import CalendarFeed, Invitee, Meeting


def _export(subject: Subject) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "meeting": i.meeting.title,
            "space": str(i.meeting.space),
            "starts_at": i.meeting.starts_at,
            "answer": i.get_answer_display(),
            "answered_at": i.answered_at,
        }
        for i in Invitee.objects.filter(person__user=subject.user).select_related("meeting__space")
    ]
    rows += [
        {"scheduled_by_me": m.title, "space": str(m.space), "starts_at": m.starts_at}
        for m in Meeting.objects.filter(created_by=subject.user).select_related("space")
    ]
    feed = CalendarFeed.objects.filter(user=subject.user, token_hash__isnull=False).first()
    if feed is not None:
        rows.append({"calendar_feed_since": feed.created_at})
    return rows


def _anonymise(subject: Subject) -> None:
    user = subject.user
    # Titles, places, agendas and minutes name people: the person's name in every spelling
    # becomes the pseudonym there (in the meetings they were invited to or scheduled, the
    # first or last name alone too: "TOP 2: Jürgen berichtet").
    invited_to = Invitee.objects.filter(person__user=user).values("meeting_id")
    redact_rows(
        Meeting.objects.all(),
        ("title", "place", "agenda", "minutes"),
        subject,
        own=Q(created_by=user) | Q(pk__in=invited_to),
    )
    # The meeting stays for the others; the person's invitation, answer and feed go.
    Invitee.objects.filter(person__user=user).delete()
    Meeting.objects.filter(created_by=user).update(created_by=None)
    CalendarFeed.objects.filter(user=user).delete()


register(
    Holding(
        key="meetings",
        models=(Meeting, Invitee, CalendarFeed),
        export=_export,
        anonymise=_anonymise,
        order=55,
    )
)
