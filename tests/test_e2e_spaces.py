"""In a real browser, the space as a meeting point (issue 12): a coordinator schedules a meeting
and uploads its agenda; a member answers, downloads the .ics, finds both on the space page and
posts in a thread mentioning a guest; the guest sees the notice, replies, and finds the thread
with the search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from contacts.models import Authority
from discussions.models import Post
from documents.models import Document
from meetings.models import Answer, Invitee, Meeting
from spaces.models import Membership, Space

from . import document_files as files
from .conftest import TEST_TOTP_SECRET, enrol_mfa
from .factories import ExternalPersonFactory, MembershipFactory, PersonFactory
from .test_e2e_browser import CHROMIUM, _sign_in, browser_page  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


@pytest.mark.django_db(transaction=True)
def test_a_meeting_its_agenda_a_thread_a_mention_and_a_reply(
    reference_data, live_server, tmp_path, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    space = Space.objects.get(slug="wissen-bildung")
    coordinator = PersonFactory.create(
        user__email="raum.koordination@example.org",
        user__first_name="Kira",
        user__last_name="Koordinata",
        authority=Authority.objects.get(code="BSB"),
    ).user
    MembershipFactory(person=coordinator.person, space=space, role=Membership.Role.COORDINATOR)
    enrol_mfa(coordinator)
    member = PersonFactory.create(
        user__email="raum.mitglied@example.org",
        user__first_name="Malte",
        user__last_name="Iversen",
        authority=Authority.objects.get(code="BWFGB"),
    ).user
    MembershipFactory(person=member.person, space=space)
    guest = ExternalPersonFactory.create(
        user__email="raum.gast@example.org", user__first_name="Greta", user__last_name="Asmussen"
    ).user
    MembershipFactory(person=guest.person, space=space, role=Membership.Role.GUEST)
    agenda = tmp_path / "Tagesordnung Lernplattform.pdf"
    agenda.write_bytes(files.tiny_pdf("Tagesordnung"))
    day = timezone.localdate() + dt.timedelta(days=8)

    # The coordinator schedules the meeting, inviting the member, and uploads its agenda.
    _sign_in(page, base, coordinator.email, totp_secret=TEST_TOTP_SECRET)
    page.goto(f"{base}/spaces/{space.slug}/meetings/")
    page.get_by_role("link", name="Termin anlegen").click()
    page.fill("#id_title", "Auftakt Lernplattform")
    page.fill("#id_starts_at", f"{day.isoformat()}T14:00")
    page.fill("#id_ends_at", f"{day.isoformat()}T15:30")
    page.fill("#id_place", "Hamburger Straße 31, Raum 4")
    page.fill("#id_agenda", "1. Ziele\n2. Zeitplan")
    page.select_option("#id_invitees", value=[str(member.person.pk)])
    with page.expect_navigation(url=f"{base}/meetings/*/"):
        page.get_by_role("button", name="Speichern").click()
    meeting = Meeting.objects.get(title="Auftakt Lernplattform")
    assert page.url == f"{base}/meetings/{meeting.pk}/"
    page.goto(f"{base}/spaces/{space.slug}/documents/new/")
    page.fill("#id_title", "Tagesordnung Auftakt")
    page.set_input_files("#id_file", str(agenda))
    with page.expect_navigation(url=f"{base}/documents/*/"):
        page.get_by_role("button", name="Hochladen").click()
    assert Document.objects.get().title == "Tagesordnung Auftakt"

    # The member answers, takes the meeting into the calendar, finds both on the space page.
    member_page = page.context.browser.new_context(locale="de-DE").new_page()
    _sign_in(member_page, base, member.email)
    member_page.goto(f"{base}/meetings/{meeting.pk}/")
    with member_page.expect_navigation(url=f"{base}/meetings/{meeting.pk}/"):
        member_page.get_by_role("button", name="Ich nehme teil").click()
    assert Invitee.objects.get(meeting=meeting).answer == Answer.YES
    with member_page.expect_download() as download:
        member_page.get_by_role("link", name="In den Kalender übernehmen (.ics)").click()
    with open(download.value.path(), "rb") as ics:
        event = Calendar.from_ical(ics.read()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Auftakt Lernplattform"
    assert f"/meetings/{meeting.pk}/" in str(event["URL"])
    member_page.goto(f"{base}/spaces/{space.slug}/")
    home = member_page.content()
    assert "Auftakt Lernplattform" in home and "Tagesordnung Auftakt" in home

    # The member opens a thread mentioning the guest.
    member_page.goto(f"{base}/spaces/{space.slug}/discussions/")
    member_page.get_by_role("link", name="Neue Diskussion").click()
    member_page.fill("#id_title", "Vorbereitung Auftakt")
    member_page.fill("#id_body", "@greta.asmussen, bringen Sie Beispiele zur Lernplattform mit?")
    with member_page.expect_navigation(url=f"{base}/discussions/*/"):
        member_page.get_by_role("button", name="Eröffnen").click()
    thread_url = member_page.url

    # The guest sees the notice, replies, and finds the thread with the search.
    guest_page = page.context.browser.new_context(locale="de-DE").new_page()
    _sign_in(guest_page, base, guest.email)
    guest_page.goto(f"{base}/notifications/")
    with guest_page.expect_navigation(url=f"{thread_url}?page=1#beitrag-1"):
        guest_page.get_by_role("link", name="Sie wurden erwähnt: Vorbereitung Auftakt").click()
    guest_page.fill("#id_body", "Gern, zwei Beispiele aus der HCU.")
    with guest_page.expect_navigation(url=f"{thread_url}?page=1#beitrag-2"):
        guest_page.get_by_role("button", name="Antwort veröffentlichen").click()
    assert Post.objects.filter(author=guest, body__startswith="Gern").exists()
    guest_page.goto(f"{base}/search/?q=Lernplattformen")
    found = guest_page.locator("#hits-discussions + ol").inner_text()
    assert "Vorbereitung Auftakt" in found
    # The guest is not invited to the meeting: the search does not show it.
    assert (
        "Auftakt Lernplattform"
        not in guest_page.locator("main").inner_text().split("Termine (", 1)[1]
    )

    member_page.goto(thread_url)
    assert "Gern, zwei Beispiele aus der HCU." in member_page.content()
