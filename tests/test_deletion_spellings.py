"""Deleting an account leaves no spelling of the name anywhere: not in the database (a
`pg_dump` of the whole test database is searched), not in the stored files (every file under
DOCUMENTS_ROOT and REPORTS_ROOT, its name and its content), not in the mails sent afterwards.

A person with umlauts and a hyphenated last name ("Jürgen-Björn Groß-Äpfelbaum"), and one whose
name is all diacritics, uses every app: coordinator of a space (an audited role change), member
of a project's contacts and a project guest, threads and replies, documents whose title,
description, file name and content name them, a meeting, invitations sent and received, a
report, and mails to others that mention them and are still waiting to go out (at once and in
daily digests). Then the account is deleted through the service behind /my-data/.

Also: a digest being sent while the deletion runs never sends the name.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone

from access import services as access_services
from contacts.models import DigitalOfficer, User
from contacts.services import user_anonymise
from core.personal_data import name_spellings, redact
from discussions import services as discussion_services
from discussions.markup import handle_for
from documents import services as document_services
from documents.demo import tiny_pdf
from documents.models import DocumentVersion
from documents.storage import document_storage
from meetings import services as meeting_services
from notifications import services as notification_services
from notifications.kinds import Channel
from notifications.kinds import Kind as NoticeKind
from notifications.models import Digest, MailStatus, Notification
from projects import services as project_services
from reports import services as report_services
from spaces.models import Membership, Space
from spaces.services import membership_change_role

from .conftest import client_for
from .factories import MembershipFactory, PersonFactory, ProjectFactory

# Every spelling a reader would recognise, written out by hand (the test does not trust
# `name_spellings` alone): hyphen or not, umlauts as written, spelt out and dropped, both orders.
PEOPLE = {
    "umlauts": {
        "first": "Jürgen-Björn",
        "last": "Groß-Äpfelbaum",
        "email": "jb.apfel@hafen-partner.example.org",
        "folded": "Jurgen-Bjorn Gross-Apfelbaum",
        "by_hand": [
            "Jürgen-Björn Groß-Äpfelbaum",
            "Jürgen Björn Groß Äpfelbaum",
            "Juergen-Bjoern Gross-Aepfelbaum",
            "Jurgen-Bjorn Gross-Apfelbaum",
            "Groß-Äpfelbaum, Jürgen-Björn",
            "Gross-Aepfelbaum, Juergen-Bjoern",
            "juergen-bjoern.gross-aepfelbaum",
            "Jürgen-Björn",
            "Juergen-Bjoern",
            "Jurgen Bjorn",
            "Groß-Äpfelbaum",
            "Gross-Aepfelbaum",
            "Gross Apfelbaum",
            "GroßÄpfelbaum",
            "jb.apfel@hafen-partner.example.org",
        ],
    },
    "diacritics": {
        "first": "Åäöü-Éè",
        "last": "Øüß-Çñé",
        "email": "oe.partnerin@kai-partner.example.org",
        "folded": "Aaou-Ee Ouss-Cne",
        "by_hand": [
            "Åäöü-Éè Øüß-Çñé",
            "Øüß-Çñé, Åäöü-Éè",
            "Aaeoeue-Ee Ouess-Cne",
            "Aaou-Ee Ouss-Cne",
            "Åäöü-Éè",
            "Aaou-Ee",
            "Øüß-Çñé",
            "Ouss-Cne",
            "oe.partnerin@kai-partner.example.org",
        ],
    },
}


def _spellings(who: dict) -> list[str]:
    found = [*who["by_hand"], *name_spellings(who["first"], who["last"], who["email"])]
    # Also as JSON writes them when it escapes (a stored JSON text).
    found += [json.dumps(s)[1:-1] for s in found]
    return sorted({s.lower() for s in found}, key=len, reverse=True)


def _found_in(text: str, spellings: list[str], where: str) -> list[str]:
    lowered = text.lower()
    hits = []
    for spelling in spellings:
        at = lowered.find(spelling)
        if at != -1:
            context = text[max(0, at - 60) : at + len(spelling) + 60].replace("\n", " | ")
            hits.append(f"{where}: {spelling!r} in …{context}…")
    return hits


def _dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = ["pg_dump", "--data-only", "--no-owner", "-d", db["NAME"]]
    if db.get("HOST"):
        command += ["-h", db["HOST"]]
    if db.get("PORT"):
        command += ["-p", str(db["PORT"])]
    if db.get("USER"):
        command += ["-U", db["USER"]]
    result = subprocess.run(command, capture_output=True, env=env, check=True, timeout=120)  # noqa: S603
    return result.stdout.decode("utf-8")


def _dump_hits(spellings: list[str]) -> list[str]:
    hits: list[str] = []
    table = "?"
    for line in _dump().splitlines():
        if line.startswith("COPY "):
            table = line.split(" ")[1]
        hits += _found_in(line, spellings, f"pg_dump {table}")
    return hits


def _file_hits(spellings: list[str]) -> list[str]:
    hits: list[str] = []
    for root in (Path(settings.DOCUMENTS_ROOT), Path(settings.REPORTS_ROOT)):
        if not root.exists():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = str(path.relative_to(root))
            hits += _found_in(relative, spellings, f"file name {root.name}/")
            content = path.read_bytes().decode("utf-8", errors="replace")
            hits += _found_in(content, spellings, f"file {root.name}/{relative}")
    return hits


def _mail_hits(outbox: list, spellings: list[str]) -> list[str]:
    hits: list[str] = []
    for message in outbox:
        text = "\n".join(
            [message.subject, message.body, *(str(a[0]) for a in message.alternatives)]
        )
        hits += _found_in(text, spellings, f"mail to {message.to}")
    return hits


@pytest.fixture
def held_mails(monkeypatch):
    """Mails wait in the outbox as when no worker has taken them yet (the broker is slow):
    nothing is handed to a worker on commit."""
    monkeypatch.setattr(notification_services, "enqueue_delivery", lambda _pk: None)
    monkeypatch.setattr(notification_services, "enqueue_digest", lambda _pk: None)


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _uses_everything(who, *, itd, coordinator, space, other_space, authority):
    """The person in every app, and mails to others that name them, still waiting."""
    first, last, email = who["first"], who["last"], who["email"]
    full = f"{first} {last}"
    person = PersonFactory(
        user__email=email,
        user__first_name=first,
        user__last_name=last,
        authority=authority,
        function=f"Referentin ({last})",
        phone="+49 40 555 0142",
    )
    user = person.user
    client_for(user)  # a session, and an authenticator (coordinators need one)
    # The others read digests for some kinds, get the rest at once (both wait in the outbox).
    others = [itd, coordinator]
    for other in others:
        notification_services.preferences_set(
            actor=other,
            user=other,
            channels={
                NoticeKind.DOCUMENT_ADDED: Channel.DAILY,
                NoticeKind.THREAD_REPLY: Channel.DAILY,
                NoticeKind.MEMBERSHIP_CHANGED: Channel.IMMEDIATE,
            },
        )
    membership = MembershipFactory(person=person, space=space, role=Membership.Role.MEMBER)
    membership_change_role(actor=itd, membership=membership, role=Membership.Role.COORDINATOR)
    DigitalOfficer.objects.create(person=person, authority=authority)
    # Invitations: one she sends (an encrypted mail waiting, her name in it), one she receives.
    access_services.invitation_create(
        actor=user,
        space=space,
        email="gast.eingeladen@uni.example.org",
        role="guest",
        until=timezone.localdate() + dt.timedelta(days=30),
        message=f"Herzliche Grüße, {full} ({last.upper()}, {first})",
    )
    third = Space.objects.exclude(pk__in=[space.pk, other_space.pk]).first()
    access_services.invitation_create(
        actor=itd,
        space=third,
        email=email,
        role="member",
        until=timezone.localdate() + dt.timedelta(days=30),
        authority=authority,
        first_name=first,
        last_name=last,
    )
    # Projects: contact person (audited), a guest elsewhere, texts that name her.
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    project_services.project_update(
        actor=itd,
        project=project,
        version=project.version,
        m2m={"contact_persons": [person]},
        description=f"Ansprechpartnerin: {last}, {first}. Fragen an {email}.",
    )
    project_services.project_guest_add(
        actor=itd,
        project=ProjectFactory(visibility="restricted"),
        person=person,
        until=timezone.localdate(),
    )
    # Discussions: her thread (edited: an earlier version), a reply naming her, a post of
    # someone else in another thread with her name spelt without umlauts.
    thread = discussion_services.thread_start(
        actor=user, where=space, title=f"Frage von {full}", body=f"Gruß, {first}"
    )
    discussion_services.post_edit(
        actor=user, post=thread.posts.get(), body=f"Viele Grüße, {full} – {email}"
    )
    handle = f"@{handle_for(first, last)}"
    discussion_services.post_reply(
        actor=coordinator,
        thread=thread,
        body=f"Danke, {first}! Und danke {handle} für die Zahlen, {last.upper()}.",
    )
    other_thread = discussion_services.thread_start(
        actor=coordinator,
        where=space,
        title="Protokollnotizen",
        body=f"Vortrag: {who['folded']} stellt die Zahlen vor.",
    )
    discussion_services.post_reply(
        actor=itd, thread=other_thread, body=f"Gesehen, {last}, {first}."
    )
    # Documents: hers (title, description, file name, text content name her), and one of the
    # coordinator's that names her.
    stem = f"{first}-{last}".replace(" ", "-")
    notes = document_services.document_create(
        actor=user,
        container=space,
        title=f"Notizen {full}",
        description=f"Zusammengestellt von {last}",
        upload=_upload(f"{stem}-Notizen.txt", f"Verfasst von {full}\n{email}\n".encode()),
    )
    slides = document_services.document_create(
        actor=user,
        container=space,
        title="Folien",
        upload=_upload(f"{last}_{first}.pdf", tiny_pdf("Folien zum Vortrag")),
    )
    document_services.document_version_add(
        actor=coordinator,
        document=slides,
        upload=_upload("Folien-v2.pdf", tiny_pdf("Folien, zweite Fassung")),
        note=f"Korrekturen von {full}",
    )
    document_services.document_create(
        actor=coordinator,
        container=space,
        title=f"Vortrag von {last}, {first}",
        upload=_upload("vortrag.pdf", tiny_pdf("Vortrag")),
    )
    # A file stored before names were generated: the stored name itself names her.
    version = DocumentVersion.objects.get(document=notes)
    with document_storage.open(version.file.name, "rb") as handle:
        legacy = document_storage.save(f"documents/legacy/{stem}-Notizen.txt", handle)
    document_storage.delete(version.file.name)
    DocumentVersion.objects.filter(pk=version.pk).update(file=legacy)
    # Meetings: she is invited; agenda and minutes name her.
    meeting = meeting_services.meeting_create(
        actor=coordinator,
        space=space,
        title=f"Abstimmung mit {last}",
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=1),
        place="Alter Steinweg 4",
        agenda=f"TOP 1: {first} berichtet\nTOP 2: Fragen an {full}",
        invitees=[person],
    )
    meeting.minutes = f"{last}, {first}: Bericht vorgestellt."
    meeting.save(update_fields=["minutes"])
    # A report she requested (its file names her as the requester).
    report_services.report_request(
        actor=user, kind="lines", format="csv", scope="space", space=space
    )
    # The daily digests of the others are built, and wait to be sent.
    notification_services.digests_build(period=Channel.DAILY)
    return user


@pytest.mark.parametrize("who", ["umlauts", "diacritics"])
def test_after_deleting_an_account_no_dump_file_or_mail_names_the_person(
    reference_data, who, itd, coordinator, space, other_space, authority, held_mails, mailoutbox
):
    person = PEOPLE[who]
    spellings = _spellings(person)
    user = _uses_everything(
        person,
        itd=itd,
        coordinator=coordinator,
        space=space,
        other_space=other_space,
        authority=authority,
    )
    # The search works: before the deletion the name is in the dump, in files, in waiting mails.
    before = _dump_hits(spellings)
    assert any("core_auditentry" in hit for hit in before)
    assert any("documents_documentversion" in hit for hit in before)
    assert any("notifications_notification" in hit for hit in before)
    assert _file_hits(spellings)
    waiting = Notification.objects.filter(
        mail_status__in=(MailStatus.PENDING, MailStatus.DIGEST)
    ).exclude(recipient=user)
    assert waiting.filter(digest__isnull=False).exists()
    assert Digest.objects.filter(mail_status=MailStatus.PENDING).exclude(recipient=user).exists()

    user_anonymise(actor=user, user=user, reason="request")

    hits = _dump_hits(spellings) + _file_hits(spellings)
    assert not hits, "the deleted person is still named:\n" + "\n".join(hits)
    # The mails that waited go out now, without the name (none was dropped).
    mailoutbox.clear()
    pending = list(Notification.objects.filter(mail_status=MailStatus.PENDING))
    digests = list(Digest.objects.filter(mail_status=MailStatus.PENDING))
    assert pending and digests
    for notice in pending:
        notification_services.deliver(notice.pk)
    for digest in digests:
        assert notification_services.deliver_digest(digest.pk) == "sent"
    assert mailoutbox
    mail_hits = _mail_hits(mailoutbox, spellings)
    assert not mail_hits, "\n".join(mail_hits)
    # The documents are still there (the one stored under her name under a new one).
    for version in DocumentVersion.objects.all():
        assert document_storage.exists(version.file.name)


# --- A digest being sent while the person is deleted --------------------------------------------


def _digest_naming(who, *, coordinator, space, authority):
    """A document she uploads is announced to the coordinator in a daily digest, built and
    waiting to be sent."""
    person = PersonFactory(
        user__email=who["email"],
        user__first_name=who["first"],
        user__last_name=who["last"],
        authority=authority,
    )
    MembershipFactory(person=person, space=space)
    notification_services.preferences_set(
        actor=coordinator,
        user=coordinator,
        channels={NoticeKind.DOCUMENT_ADDED: Channel.DAILY},
    )
    document_services.document_create(
        actor=person.user,
        container=space,
        title=f"Bericht von {who['first']} {who['last']}",
        upload=_upload("bericht.pdf", tiny_pdf("Bericht")),
    )
    notification_services.digests_build(period=Channel.DAILY)
    digest = Digest.objects.get(recipient=coordinator, mail_status=MailStatus.PENDING)
    assert digest.items.exists()
    return person.user, digest


def _in_thread(target, *args) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = target(*args)
        except BaseException as error:  # reported by the test, not lost in the thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _delete(
    user: User, hold: threading.Event | None = None, deleted: threading.Event | None = None
):
    """The deletion, in a transaction kept open until `hold` is set (if given)."""
    with transaction.atomic():
        user_anonymise(actor=user, user=user, reason="request")
        if deleted is not None:
            deleted.set()
        if hold is not None:
            assert hold.wait(20)
    return "deleted"


def test_a_deletion_waits_for_a_digest_that_is_being_sent(
    reference_data, coordinator, space, authority, held_mails, mailoutbox, monkeypatch
):
    """The digest task has claimed its rows and is sending: the deletion waits until the mail
    is out (it was sent before the deletion took effect), then rewrites the notices."""
    who = PEOPLE["umlauts"]
    spellings = _spellings(who)
    user, digest = _digest_naming(who, coordinator=coordinator, space=space, authority=authority)
    sending, may_finish = threading.Event(), threading.Event()
    real_send = notification_services._send

    def slow_send(**mail):
        sending.set()
        assert may_finish.wait(20)
        real_send(**mail)

    monkeypatch.setattr(notification_services, "_send", slow_send)
    sender, sent = _in_thread(notification_services.deliver_digest, digest.pk)
    assert sending.wait(20)
    deleted = threading.Event()
    deleter, deletion = _in_thread(_delete, user, None, deleted)
    # While the mail is being sent, the deletion cannot finish: it waits for the digest's rows.
    assert not deleted.wait(1.5), "the deletion rewrote the notices of a digest being sent"
    may_finish.set()
    sender.join(20)
    deleter.join(20)
    assert sent == {"result": "sent"} and deletion == {"result": "deleted"}
    assert deleted.is_set()
    # Afterwards the digest's notices no longer name her (the centre shows their titles).
    titles = " ".join(Notification.objects.filter(digest=digest).values_list("title", flat=True))
    assert titles and not _found_in(titles, spellings, "notice")


def test_a_digest_sent_while_the_deletion_runs_does_not_name_the_person(
    reference_data, coordinator, space, authority, held_mails, mailoutbox
):
    """The deletion holds the digest's rows (not committed yet) when the digest task starts:
    the task does not send the old text; the mail goes out after the deletion, without her."""
    who = PEOPLE["umlauts"]
    spellings = _spellings(who)
    user, digest = _digest_naming(who, coordinator=coordinator, space=space, authority=authority)
    deleted, may_commit = threading.Event(), threading.Event()
    deleter, deletion = _in_thread(_delete, user, may_commit, deleted)
    assert deleted.wait(20), deletion
    # The digest task runs now, while the deletion is not committed.
    sender, sent = _in_thread(notification_services.deliver_digest, digest.pk)
    sender.join(1.5)
    may_commit.set()
    deleter.join(20)
    sender.join(20)
    assert deletion == {"result": "deleted"}
    assert "error" not in sent, sent
    if sent["result"] == "skipped":
        # It left the digest to the requeue job, which hands it out again: now it goes.
        assert notification_services.deliver_digest(digest.pk) == "sent"
    [mail] = mailoutbox
    hits = _mail_hits([mail], spellings)
    assert not hits, "\n".join(hits)
    assert "Bericht von Gelöschte Person" in mail.body


# --- The spellings themselves -------------------------------------------------------------------


def test_the_spellings_of_a_name_cover_hyphen_dot_case_umlauts_and_both_orders():
    spellings = set(name_spellings("Jürgen-Björn", "Groß-Äpfelbaum", "jb@example.org"))
    for expected in (
        "Jürgen-Björn Groß-Äpfelbaum",
        "Jürgen Björn Groß Äpfelbaum",
        "Juergen-Bjoern Gross-Aepfelbaum",
        "Jurgen-Bjorn Gross-Apfelbaum",
        "Groß-Äpfelbaum Jürgen-Björn",
        "Groß-Äpfelbaum, Jürgen-Björn",
        "Juergen-Bjoern.Gross-Aepfelbaum",
        "Jürgen-Björn_Groß-Äpfelbaum",
        "Jürgen-Björn",
        "Groß-Äpfelbaum",
        "GrossAepfelbaum",
        "jb@example.org",
    ):
        assert expected in spellings, expected
    # A part of a double name alone is no spelling ("Groß" is also a word).
    assert "Groß" not in spellings and "Jürgen" not in spellings
    assert name_spellings("", "", "nur@example.org") == ["nur@example.org"]
    # Only a last name: that is the full name.
    assert "Aepfelbaum" in name_spellings("", "Äpfelbaum")
    # A one-letter first name is not looked for alone (it would hit every "a").
    assert "A" not in name_spellings("Å", "Øre") and "Å" not in name_spellings("Å", "Øre")


def test_redact_finds_mixtures_and_line_breaks_but_not_longer_words():
    spellings = name_spellings("Jürgen-Björn", "Groß-Äpfelbaum", "jb@example.org")
    assert redact("Gruß, JÜRGEN-BJÖRN GROSS-ÄPFELBAUM!", spellings, "X") == "Gruß, X!"
    assert redact("Jurgen Bjorn\nGross Apfelbaum schrieb", spellings, "X") == "X schrieb"
    assert redact("Juergen-Bjoern_Gross-Aepfelbaum-Notizen.pdf", spellings, "X") == "X-Notizen.pdf"
    assert redact("Mail an JB@Example.org.", spellings, "X") == "Mail an X."
    assert redact("&lt;Jürgen-Björn&gt;", spellings, "X") == "&lt;X&gt;"
    anna = name_spellings("Anna", "Meyer")
    assert redact("Annahme von Anna, Meyers Hund", anna, "X") == "Annahme von X, Meyers Hund"
    assert redact("", spellings, "X") == ""


def test_a_first_name_another_account_bears_stays_where_the_person_is_not_named(db):
    from core.personal_data import Subject

    anna = PersonFactory(user__first_name="Anna", user__last_name="Groß-Äpfelbaum").user
    PersonFactory(user__first_name="Anna", user__last_name="Schmidt")
    subject = Subject(user=anna, person=anna.person, pseudonym="Gelöschte Person 1")
    # Another Anna's text keeps her name; the last name no other account bears goes anywhere.
    assert subject.redact("Anna Schmidt und Anna kommen.") == "Anna Schmidt und Anna kommen."
    assert subject.redact("Frau Gross-Aepfelbaum kommt.") == "Frau Gelöschte Person 1 kommt."
    # A text that names her in full: "Anna" there is her too.
    assert (
        subject.redact("Anna Groß-Äpfelbaum schreibt: Anna kommt.")
        == "Gelöschte Person 1 schreibt: Gelöschte Person 1 kommt."
    )
    # In what she wrote or what is about her, the first name alone goes too.
    assert subject.redact("Gruß, Anna", own=True) == "Gruß, Gelöschte Person 1"
