"""Files of a meeting's agenda and minutes (issue 22, point 5): uploaded with the agenda and the
minutes, checked like documents (core.uploads), listed on the meeting's page and in its
invitation, downloaded only by who sees the meeting, removed by who runs it; kept apart from the
documents' retention job; covered by the export and the anonymisation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, MeetingFile
from meetings.permissions import MEETING_FILE
from notifications.kinds import Kind
from notifications.models import Notification

from . import document_files as files
from .conftest import ROLES, client_for
from .factories import audit_of, make_meeting

FORMAT = "%Y-%m-%dT%H:%M"


def pdf(name: str = "Tagesordnung.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.pdf(), content_type="application/pdf")


def stored(settings) -> list[Path]:
    """Every stored file of the documents' storage (meeting files live there, under meetings/)."""
    root = Path(settings.DOCUMENTS_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _form(*people, **over) -> dict:
    day = timezone.localdate() + dt.timedelta(days=5)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    data = {
        "title": "Jour fixe Mobilität",
        "starts_at": start.strftime(FORMAT),
        "ends_at": (start + dt.timedelta(hours=1)).strftime(FORMAT),
        "place": "BVM, Alter Steinweg 4",
        "video_url": "",
        "agenda": "1. Stand\n2. Verschiedenes",
        "invitees": [p.person.pk for p in people],
    }
    data.update(over)
    return data


@pytest.fixture
def meeting(space, member):
    """In the coordinator's space, the member invited (the officer, also in the space, not)."""
    return make_meeting(space=space, invitees=[member], title="Jour fixe")


@pytest.fixture
def agenda_file(coordinator, meeting):
    services.meeting_update(
        actor=coordinator,
        meeting=meeting,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        agenda="1. Bericht",
        invitees=[i.person for i in meeting.invitees.all()],
        agenda_files=[pdf()],
    )
    return MeetingFile.objects.get(meeting=meeting, part="agenda")


# --- Upload with the agenda, the page, the invitation -----------------------------------------


def test_coordinator_schedules_with_an_agenda_file_listed_on_the_page_and_in_the_invitation(
    coordinator, member, space, settings
):
    data = {**_form(member), "agenda_files": [pdf(), pdf("Anlage 2.pdf")]}
    response = client_for(coordinator).post(reverse("meetings:create", args=[space.slug]), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    rows = list(meeting.files.order_by("pk"))
    assert [(f.part, f.original_name, f.content_type) for f in rows] == [
        ("agenda", "Tagesordnung.pdf", "application/pdf"),
        ("agenda", "Anlage 2.pdf", "application/pdf"),
    ]
    assert rows[0].uploaded_by == coordinator and rows[0].size == len(files.pdf())
    # Stored under meetings/ with a name the portal made, not the uploader's.
    assert all(
        f.file.name.startswith("meetings/") and "Tagesordnung" not in f.file.name for f in rows
    )
    assert len(stored(settings)) == 2
    # The page lists them under the agenda, with type and size, linked to the download.
    page = client_for(member).get(meeting.get_absolute_url()).content.decode()
    agenda = page[page.index('id="agenda"') : page.index('id="invitees"')]
    assert "Tagesordnung.pdf herunterladen" in agenda and "PDF" in agenda
    assert rows[0].get_download_url() in agenda
    # The invitation names them with the link to the download.
    notice = Notification.objects.get(kind=Kind.MEETING_INVITED, recipient=member)
    _subject, text, html = notice.mail()
    assert "Tagesordnung.pdf (PDF," in text and "Anlage 2.pdf" in text
    assert settings.PORTAL_BASE_URL.rstrip("/") + rows[0].get_download_url() in text
    assert "Tagesordnung.pdf" in html
    audit = audit_of(meeting).get(action="create")
    assert "Tagesordnung.pdf" in str(audit.changes["agenda_files"]["new"])


def test_an_invitee_downloads_the_file_as_an_attachment(member, agenda_file):
    response = client_for(member).get(agenda_file.get_download_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Tagesordnung.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


SEES = {"itd", "coordinator", "member"}


@pytest.mark.parametrize("role", ROLES)
def test_who_downloads_a_meeting_file(role, all_roles, agenda_file):
    user = all_roles[role]
    assert MEETING_FILE.can(user, "view", agenda_file) is (role in SEES)
    assert MEETING_FILE.can(user, "manage", agenda_file) is (role in {"itd", "coordinator"})
    status = client_for(user).get(agenda_file.get_download_url()).status_code
    # Who does not see the meeting learns nothing of the file: 404; signed out: sign-in.
    expected = 200 if role in SEES else (302 if role in ("anonymous", "guest_ended") else 404)
    assert status == expected


def test_a_file_is_downloaded_only_under_its_own_meeting(member, space, agenda_file):
    other = make_meeting(space=space, invitees=[member], title="Anderer Termin")
    url = reverse("meetings:file_download", args=[other.pk, agenda_file.pk])
    assert client_for(member).get(url).status_code == 404


def test_minutes_files_are_added_on_the_minutes_page(coordinator, member, meeting):
    upload = SimpleUploadedFile("Protokoll.docx", files.docx())
    response = client_for(coordinator).post(
        reverse("meetings:minutes", args=[meeting.pk]),
        {"minutes": "TOP 1 besprochen.", "minutes_files": [upload]},
    )
    assert response.status_code == 302
    row = MeetingFile.objects.get(meeting=meeting)
    assert row.part == "minutes" and row.kind_label == "Word (docx)"
    page = client_for(member).get(meeting.get_absolute_url()).content.decode()
    minutes = page[page.index('id="minutes"') :]
    assert "Protokoll.docx herunterladen" in minutes and "Word (docx)" in minutes
    # Not under the agenda.
    assert "Protokoll.docx" not in page[page.index('id="agenda"') : page.index('id="invitees"')]


def test_the_ics_names_the_agenda_files_with_their_address(member, meeting, agenda_file, settings):
    from icalendar import Calendar

    body = client_for(member).get(reverse("meetings:ics", args=[meeting.pk])).content
    event = next(c for c in Calendar.from_ical(body).walk() if c.name == "VEVENT")
    description = str(event["description"])
    url = settings.PORTAL_BASE_URL.rstrip("/") + agenda_file.get_download_url()
    assert f"Tagesordnung.pdf: {url}" in description


# --- Who may not ------------------------------------------------------------------------------


def test_a_member_who_sees_the_meeting_may_not_add_or_remove_files(
    member, meeting, agenda_file, settings
):
    client = client_for(member)
    data = {"minutes": "Von mir.", "minutes_files": [pdf("Meins.pdf")]}
    assert client.post(reverse("meetings:minutes", args=[meeting.pk]), data).status_code == 403
    remove = reverse("meetings:file_remove", args=[meeting.pk, agenda_file.pk])
    assert client.get(remove).status_code == 403
    assert client.post(remove).status_code == 403
    assert list(MeetingFile.objects.all()) == [agenda_file]
    assert len(stored(settings)) == 1
    # The services say the same (whatever the view).
    with pytest.raises(PermissionDenied):
        services.meeting_file_remove(actor=member, file=agenda_file)
    with pytest.raises(PermissionDenied):
        services.meeting_minutes_set(
            actor=member, meeting=meeting, minutes="", minutes_files=[pdf()]
        )


def test_an_outsider_finds_neither_the_file_nor_its_removal(officer, meeting, agenda_file):
    client = client_for(officer)  # in the space, but not invited
    assert client.get(agenda_file.get_download_url()).status_code == 404
    remove = reverse("meetings:file_remove", args=[meeting.pk, agenda_file.pk])
    assert client.post(remove).status_code == 404
    assert MeetingFile.objects.filter(pk=agenda_file.pk).exists()


# --- Bad files --------------------------------------------------------------------------------

BAD_FILES = {
    "executable": (
        "agenda.pdf",
        b"MZ\x90\x00" + b"\x00" * 200,
        "Ausführbare Programme und Skripte können nicht hochgeladen werden.",
    ),
    "html": ("agenda.txt", b"<html><script>alert(1)</script></html>", "Dieser Dateityp"),
    "extension": ("agenda.docx", files.pdf(), "passt nicht zum Inhalt"),
    "empty": ("leer.pdf", b"", "leer"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_at_its_field_the_typed_text_kept_nothing_stored(
    case, coordinator, member, space, settings
):
    name, content, message = BAD_FILES[case]
    data = {**_form(member), "agenda_files": [SimpleUploadedFile(name, content)]}
    response = client_for(coordinator).post(reverse("meetings:create", args=[space.slug]), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors["agenda_files"])
    assert set(form.errors) == {"agenda_files"}
    page = response.content.decode()
    assert "Jour fixe Mobilität" in page and "2. Verschiedenes" in page  # kept
    assert not Meeting.objects.exists() and not MeetingFile.objects.exists()
    assert stored(settings) == []
    assert not Notification.objects.exists()


def test_a_file_over_the_limit_is_refused_while_it_streams(coordinator, meeting, settings):
    settings.DOCUMENT_MAX_SIZE = 1000
    big = SimpleUploadedFile("gross.pdf", files.pdf() + b"%" * 2000)
    data = {"minutes": "Getippt.", "minutes_files": [big]}
    response = client_for(coordinator).post(reverse("meetings:minutes", args=[meeting.pk]), data)
    assert response.status_code == 400
    assert "Die Datei ist größer als 1 KB." in response.context["form"].errors["minutes_files"]
    assert "Getippt." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == "" and not MeetingFile.objects.exists()
    assert stored(settings) == []


def test_a_failed_transaction_leaves_no_file_and_no_row(
    coordinator, meeting, settings, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.meeting_minutes_set(
            actor=coordinator, meeting=meeting, minutes="x", minutes_files=[pdf()]
        )
    assert not MeetingFile.objects.exists()
    assert stored(settings) == []


def test_no_more_than_the_limit_of_files_per_part(coordinator, meeting, settings, monkeypatch):
    monkeypatch.setattr(services, "MAX_FILES_PER_PART", 1)
    services.meeting_minutes_set(
        actor=coordinator, meeting=meeting, minutes="", minutes_files=[pdf()]
    )
    with pytest.raises(ValidationError) as refused:
        services.meeting_minutes_set(
            actor=coordinator, meeting=meeting, minutes="", minutes_files=[pdf()]
        )
    assert "minutes_files" in refused.value.message_dict
    assert MeetingFile.objects.count() == 1 and len(stored(settings)) == 1


# --- Removing ---------------------------------------------------------------------------------


def test_removing_deletes_the_row_and_the_stored_file(
    coordinator, member, meeting, agenda_file, settings, django_capture_on_commit_callbacks
):
    assert len(stored(settings)) == 1
    url = reverse("meetings:file_remove", args=[meeting.pk, agenda_file.pk])
    client = client_for(coordinator)
    assert "Tagesordnung.pdf" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert not MeetingFile.objects.exists()
    assert stored(settings) == []  # at once, not after a retention period
    assert client_for(member).get(agenda_file.get_download_url()).status_code == 404
    audit = audit_of(meeting).latest("pk")
    assert audit.changes["agenda_files"]["new"] == []


def test_agenda_files_of_a_cancelled_meeting_stay(coordinator, meeting, agenda_file):
    services.meeting_cancel(actor=coordinator, meeting=meeting)
    agenda_file.refresh_from_db()
    with pytest.raises(ValidationError):
        services.meeting_file_remove(actor=coordinator, file=agenda_file)
    assert MeetingFile.objects.filter(pk=agenda_file.pk).exists()


def test_the_documents_retention_job_leaves_meeting_files_alone(agenda_file, settings):
    from documents.services import purge_deleted

    later = timezone.now() + dt.timedelta(days=settings.DOCUMENT_RETENTION_DAYS + 1)
    assert purge_deleted(now=later) == 0
    assert len(stored(settings)) == 1
    assert agenda_file.file.storage.exists(agenda_file.file.name)


# --- Personal data ----------------------------------------------------------------------------


def test_the_export_and_the_anonymisation_cover_the_files(coordinator, meeting, settings):
    from core.personal_data import Subject
    from meetings.privacy import _anonymise, _export

    name = coordinator.get_full_name()
    text = SimpleUploadedFile(f"Notizen {name}.txt", f"Bericht von {name}.\n".encode())
    services.meeting_minutes_set(
        actor=coordinator, meeting=meeting, minutes="", minutes_files=[text]
    )
    row = MeetingFile.objects.get()
    old_name = row.file.name
    subject = Subject(user=coordinator, person=coordinator.person, pseudonym="Person 7")
    exported = _export(subject)
    assert any(r.get("file_added_by_me") == f"Notizen {name}.txt" for r in exported)
    _anonymise(subject)
    row.refresh_from_db()
    assert row.uploaded_by is None
    assert name not in row.original_name and row.original_name.endswith(".txt")
    assert row.file.name != old_name
    with row.file.storage.open(row.file.name, "rb") as handle:
        assert handle.read().decode() == "Bericht von Person 7.\n"


def test_invitees_are_told_of_agenda_files_added_later(coordinator, member, meeting, settings):
    """Nothing else changed: the invitees (not the one who added it) hear of the new file, with
    its name first and the agenda's files linked, in German and in English."""
    data = _form(member, agenda=meeting.agenda, place=meeting.place, title=meeting.title)
    data.update(
        starts_at=timezone.localtime(meeting.starts_at).strftime(FORMAT),
        ends_at=timezone.localtime(meeting.ends_at).strftime(FORMAT),
        agenda_files=[pdf("Anlage (neu).pdf")],
    )
    response = client_for(coordinator).post(reverse("meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    notices = Notification.objects.filter(kind=Kind.MEETING_CHANGED)
    assert [n.recipient for n in notices] == [member]
    row = MeetingFile.objects.get(meeting=meeting, part="agenda")
    _subject, text, _html = notices[0].mail()
    assert "Neue Unterlagen zur Tagesordnung: Anlage (neu).pdf" in text
    assert settings.PORTAL_BASE_URL.rstrip("/") + row.get_download_url() in text
    # A second file, and the member reads English now.
    member.language = "en"
    member.save(update_fields=["language"])
    data["agenda_files"] = [pdf("Protokoll-Entwurf.pdf")]
    client_for(coordinator).post(reverse("meetings:edit", args=[meeting.pk]), data)
    latest = Notification.objects.filter(kind=Kind.MEETING_CHANGED).latest("pk")
    _subject, text, _html = latest.mail()
    assert "New files for the agenda: Protokoll-Entwurf.pdf" in text
    assert "Anlage (neu).pdf" in text  # still listed among the agenda's files


def test_an_edit_without_news_or_files_tells_nobody(coordinator, member, meeting):
    data = _form(member, agenda="1. Bericht (neu)", place=meeting.place, title=meeting.title)
    data.update(
        starts_at=timezone.localtime(meeting.starts_at).strftime(FORMAT),
        ends_at=timezone.localtime(meeting.ends_at).strftime(FORMAT),
    )
    response = client_for(coordinator).post(reverse("meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    assert not Notification.objects.filter(kind=Kind.MEETING_CHANGED).exists()
