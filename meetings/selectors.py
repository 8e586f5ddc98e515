"""Reads of meetings, each starting from the scoped queryset (meetings.permissions)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from contacts.models import Person
from core.audiences import Viewer, is_signed_in
from spaces.models import Membership, Space

from .models import Answer, CalendarFeed, Invitee, Meeting, MeetingFile

# The feed carries the meetings of the last half year and every one ahead.
FEED_PAST_DAYS = 183


def visible(user: Viewer) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).select_related("space")


def with_my_answer(meetings: QuerySet[Meeting], user: Viewer) -> QuerySet[Meeting]:
    """Each meeting with `my_answer` (None: not invited) and the count of answers."""
    pk = user.pk if is_signed_in(user) else 0  # nobody's
    mine = Invitee.objects.filter(meeting=OuterRef("pk"), person__user_id=pk).values("answer")
    return meetings.annotate(
        my_answer=Subquery(mine[:1]),
        invitee_count=Count("invitees", distinct=True),
        yes_count=Count("invitees", filter=Q(invitees__answer=Answer.YES), distinct=True),
    )


def space_meetings(user: Viewer, space: Space) -> tuple[QuerySet[Meeting], QuerySet[Meeting]]:
    """(upcoming, past) meetings of the space the user may see, soonest / latest first."""
    base = with_my_answer(visible(user).filter(space=space), user)
    now = timezone.now()
    return (
        base.filter(ends_at__gte=now).order_by("starts_at", "pk"),
        base.filter(ends_at__lt=now).order_by("-starts_at", "-pk"),
    )


def my_upcoming(user: Viewer) -> QuerySet[Meeting]:
    """The upcoming meetings the user is invited to and may see, across spaces."""
    if not is_signed_in(user):
        return Meeting.objects.none()
    mine = visible(user).filter(invitees__person__user_id=user.pk, ends_at__gte=timezone.now())
    return with_my_answer(mine, user).order_by("starts_at", "pk")


def meeting_invitees(meeting: Meeting) -> list[Invitee]:
    return list(
        meeting.invitees.select_related("person__user", "person__authority", "person__organisation")
    )


def meeting_files(meeting: Meeting) -> dict[str, list[MeetingFile]]:
    """The files of the meeting's agenda and minutes, oldest first (one query)."""
    files: dict[str, list[MeetingFile]] = {part: [] for part in MeetingFile.Part.values}
    for row in MeetingFile.objects.filter(meeting=meeting).order_by("uploaded_at", "pk"):
        files[row.part].append(row)
    return files


def file_for_download(viewer: Viewer, meeting_pk: int, file_pk: int) -> MeetingFile | None:
    """The file, if the viewer sees its meeting (else None: 404)."""
    return (
        MeetingFile.objects.visible_to(viewer)
        .select_related("meeting")
        .filter(meeting_id=meeting_pk, pk=file_pk)
        .first()
    )


def my_invitation(meeting: Meeting, user: Viewer) -> Invitee | None:
    if not is_signed_in(user):
        return None
    return meeting.invitees.filter(person__user=user).first()


def answer_counts(invitees: list[Invitee]) -> dict[str, int]:
    counts = dict.fromkeys(Answer.values, 0)
    for invitee in invitees:
        counts[invitee.answer] += 1
    return counts


def invitable_people(space: Space) -> QuerySet[Person]:
    """The people of the space today (coordinators, members, guests) with an active account."""
    active = Membership.objects.active().filter(space=space).values("person_id")
    return (
        Person.objects.filter(pk__in=active, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def upcoming_in_space(viewer: Viewer, space: Space, limit: int) -> list[Meeting]:
    """The space page's section: the next meetings the viewer may see (one query)."""
    return list(
        visible(viewer)
        .filter(space=space, cancelled_at__isnull=True, ends_at__gte=timezone.now())
        .order_by("starts_at", "pk")[:limit]
    )


def recently_created(viewer: Viewer, space: Space, limit: int) -> list[Meeting]:
    return list(
        Meeting.objects.visible_to(viewer)
        .filter(space=space)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- The calendar feed ------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def feed_by_token(token: str) -> CalendarFeed | None:
    """The active feed of an active account the token opens, or None."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )


def feed_meetings(user: Viewer, *, now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """The meetings of a person's feed: those they are invited to and may see now."""
    since = (now or timezone.now()) - dt.timedelta(days=FEED_PAST_DAYS)
    if not is_signed_in(user):
        return Meeting.objects.none()
    return with_agenda_files(
        visible(user)
        .filter(invitees__person__user_id=user.pk, ends_at__gte=since)
        .order_by("starts_at", "pk")
    )


def with_agenda_files(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Each meeting with `agenda_files`, its agenda's files (one query for all meetings)."""
    files = MeetingFile.objects.filter(part=MeetingFile.Part.AGENDA).order_by("uploaded_at", "pk")
    return meetings.prefetch_related(Prefetch("files", queryset=files, to_attr="agenda_files"))


@dataclass(frozen=True)
class FeedState:
    active: bool
    created_at: dt.datetime | None


def feed_state(user: Viewer) -> FeedState:
    if not is_signed_in(user):
        return FeedState(False, None)
    feed = CalendarFeed.objects.filter(user_id=user.pk).first()
    if feed is None or not feed.is_active:
        return FeedState(False, None)
    return FeedState(True, feed.created_at)
