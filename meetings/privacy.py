"""What the meetings hold about a person: the invitations and answers, the meetings they
scheduled, the files they added to an agenda or minutes, and whether they have a calendar feed
(never its secret).

Deleting the account keeps the files for the meeting, but nothing of them names the person
any more: the file name (also the download name) loses every spelling of the name and the
address, and so does the content of a text or CSV file (written anew under a new stored name;
the old file is removed when the deletion is committed). The content of other formats (PDF,
office files, images) is not rewritten: the meeting's coordinators decide about it, as for
documents."""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from core.personal_data import (
    Holding,
    Subject,
    file_placeholder,
    mentioning,
    redact_rows,
    register,
)

from .models import DIRECTORY, CalendarFeed, Invitee, Meeting, MeetingFile, file_storage


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
    rows += [
        {
            "file_added_by_me": f.original_name,
            "meeting": f.meeting.title,
            "part": f.get_part_display(),
            "uploaded_at": f.uploaded_at,
        }
        for f in MeetingFile.objects.filter(uploaded_by=subject.user)
        .select_related("meeting")
        .order_by("uploaded_at", "pk")
    ]
    feed = CalendarFeed.objects.filter(user=subject.user, token_hash__isnull=False).first()
    if feed is not None:
        rows.append({"calendar_feed_since": feed.created_at})
    return rows


def _rewrite_text(row: MeetingFile, subject: Subject, *, own: bool) -> None:
    """A text file that names the person is stored anew without the name."""
    storage = file_storage()
    name = row.file.name or ""
    try:
        with storage.open(name, "rb") as handle:
            text = handle.read().decode("utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return
    clean = subject.redact(text, own=own)
    if clean == text:
        return
    content = clean.encode("utf-8")
    directory = posixpath.dirname(name) or DIRECTORY
    extension = posixpath.splitext(name)[1]
    row.file.name = storage.save(f"{directory}/{uuid.uuid4().hex}{extension}", ContentFile(content))
    row.size = len(content)
    row.sha256 = hashlib.sha256(content).hexdigest()
    row.save(update_fields=["file", "size", "sha256"])
    transaction.on_commit(lambda: storage.delete(name))


def _anonymise_files(subject: Subject, own_meetings: Q) -> None:
    user = subject.user
    own_files = Q(uploaded_by=user) | Q(meeting__in=Meeting.objects.filter(own_meetings))
    placeholder = file_placeholder(subject.pseudonym)
    for own, files in (
        (True, MeetingFile.objects.filter(own_files)),
        (False, MeetingFile.objects.exclude(own_files)),
    ):
        pks = {
            *mentioning(files, ("original_name",), subject.probes).values_list("pk", flat=True),
            *files.filter(content_type__startswith="text/").values_list("pk", flat=True),
        }
        for row in MeetingFile.objects.filter(pk__in=pks).order_by("pk"):
            clean = subject.redact(row.original_name, own=own, placeholder=placeholder)
            if clean != row.original_name:
                row.original_name = clean[:200]
                row.save(update_fields=["original_name"])
            if row.content_type.startswith("text/"):
                _rewrite_text(row, subject, own=own)
    MeetingFile.objects.filter(uploaded_by=user).update(uploaded_by=None)


def _anonymise(subject: Subject) -> None:
    user = subject.user
    # Titles, places, agendas and minutes name people: the person's name in every spelling
    # becomes the pseudonym there (in the meetings they were invited to or scheduled, the
    # first or last name alone too: "TOP 2: Jürgen berichtet").
    invited_to = Invitee.objects.filter(person__user=user).values("meeting_id")
    own_meetings = Q(created_by=user) | Q(pk__in=invited_to)
    redact_rows(
        Meeting.objects.all(),
        ("title", "place", "agenda", "minutes"),
        subject,
        own=own_meetings,
    )
    _anonymise_files(subject, own_meetings)
    # The meeting stays for the others; the person's invitation, answer and feed go.
    Invitee.objects.filter(person__user=user).delete()
    Meeting.objects.filter(created_by=user).update(created_by=None)
    CalendarFeed.objects.filter(user=user).delete()


register(
    Holding(
        key="meetings",
        models=(Meeting, Invitee, MeetingFile, CalendarFeed),
        export=_export,
        anonymise=_anonymise,
        order=55,
    )
)
