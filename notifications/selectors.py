"""Reads of the notification centre, the preferences and the failed mails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet, Subquery

from contacts.models import User
from core.audiences import Viewer
from projects.models import Project

from .kinds import KINDS, Channel, Kind, configurable_kinds
from .models import Digest, MailStatus, Notification
from .services import channel_for


def centre(
    user: Viewer, *, kind: str = "", space: Any = None, project: Any = None
) -> QuerySet[Notification]:
    """The viewer's notices, newest first, filtered by reason, space and project."""
    notices = Notification.objects.visible_to(user).select_related("space", "project")
    if kind:
        notices = notices.filter(kind=kind)
    if space is not None:
        notices = notices.filter(space=space)
    if project is not None:
        notices = notices.filter(project=project)
    return notices.order_by("-created_at", "-id")


NOTICED_PROJECTS = 100


def noticed_projects(user: Viewer, limit: int = NOTICED_PROJECTS) -> QuerySet[Project]:
    """The projects the viewer's notices are about (the most recently noticed `limit`), in title
    order, that the viewer still sees: the centre's project filter offers these. One query."""
    recent = (
        Notification.objects.visible_to(user)
        .filter(project__isnull=False)
        .values("project")
        .annotate(last=Max("created_at"))
        .order_by("-last")
        .values("project")[:limit]
    )
    return (
        Project.objects.visible_to(user)
        .filter(pk__in=Subquery(recent))
        .only("slug", "title")
        .order_by("title", "pk")
    )


# Cached on the user object for the request, like the role facts (contacts.permissions).
_UNREAD_CACHE = "_portal_unread_notifications"


def unread_of(user: Viewer) -> QuerySet[Notification]:
    """The account's unread notices (counted here, and with the other facts in one query by
    portal.facts)."""
    return Notification.objects.visible_to(user).unread()


def unread_count(user: Viewer) -> int:
    """The number in the layout's bell; read once per request (mark_read forgets it)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    cached: int | None = getattr(user, _UNREAD_CACHE, None)
    if cached is None:
        cached = unread_of(user).count()
        setattr(user, _UNREAD_CACHE, cached)
    return cached


def remember_unread_count(user: Viewer, count: int) -> None:
    setattr(user, _UNREAD_CACHE, count)


@dataclass
class PreferenceRow:
    kind: str
    label: str
    channel: str
    fixed: bool


def preferences(user: User) -> list[PreferenceRow]:
    return [
        PreferenceRow(
            kind=kind,
            label=str(Kind(kind).label),
            channel=channel_for(user, kind),
            fixed=KINDS[kind].fixed,
        )
        for kind in configurable_kinds()
    ]


def channel_choices() -> list[tuple[str, str]]:
    return [(c.value, str(c.label)) for c in Channel]


FAILED_SHOWN = 200


def failed_counts() -> tuple[int, int]:
    return (
        Notification.objects.filter(mail_status=MailStatus.FAILED).count(),
        Digest.objects.filter(mail_status=MailStatus.FAILED).count(),
    )


def failed() -> tuple[list[Notification], list[Digest]]:
    """The newest FAILED_SHOWN failed notices and digests (all of them: `retry_all_failed`)."""
    notices = list(
        Notification.objects.filter(mail_status=MailStatus.FAILED)
        .select_related("recipient")
        .order_by("-created_at")[:FAILED_SHOWN]
    )
    digests = list(
        Digest.objects.filter(mail_status=MailStatus.FAILED)
        .select_related("recipient")
        .order_by("-created_at")[:FAILED_SHOWN]
    )
    return notices, digests
