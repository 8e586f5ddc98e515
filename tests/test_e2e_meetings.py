"""In a real browser: a coordinator schedules a meeting and invites a member; the member finds it
under "Meine Termine", answers, downloads the .ics and subscribes to the calendar feed; the
coordinator sees the answer."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from django.utils import timezone
from icalendar import Calendar

from contacts.models import Authority
from meetings.models import Answer, Invitee, Meeting
from spaces.models import Membership, Space

from .conftest import TEST_TOTP_SECRET, enrol_mfa
from .factories import MembershipFactory, PersonFactory
from .test_e2e_browser import CHROMIUM, _sign_in, browser_page  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


@pytest.mark.django_db(transaction=True)
def test_coordinator_schedules_member_answers_downloads_the_ics_and_subscribes(
    reference_data, live_server, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")  # the browser of test_e2e_browser
    base = live_server.url
    space = Space.objects.get(slug="mobilitaet-energie")
    coordinator = PersonFactory.create(
        user__email="browser.koordination@example.org",
        user__last_name="Koordinationbrowser",
        authority=Authority.objects.get(code="BVM"),
    ).user
    MembershipFactory(person=coordinator.person, space=space, role=Membership.Role.COORDINATOR)
    enrol_mfa(coordinator)
    member = PersonFactory.create(
        user__email="browser.mitglied@example.org",
        user__last_name="Mitgliedbrowser",
        authority=Authority.objects.get(code="BUKEA"),
    ).user
    MembershipFactory(person=member.person, space=space)
    day = timezone.localdate() + dt.timedelta(days=6)

    _sign_in(page, base, coordinator.email, totp_secret=TEST_TOTP_SECRET)
    page.goto(f"{base}/spaces/{space.slug}/meetings/")
    page.get_by_role("link", name="Termin anlegen").click()
    page.fill("#id_title", "Jour fixe im Browser")
    page.fill("#id_starts_at", f"{day.isoformat()}T10:00")
    page.fill("#id_ends_at", f"{day.isoformat()}T11:30")
    page.fill("#id_place", "BVM, Alter Steinweg 4")
    page.select_option("#id_invitees", value=[str(member.person.pk)])
    with page.expect_navigation(url=f"{base}/meetings/*/"):
        page.get_by_role("button", name="Speichern").click()
    meeting = Meeting.objects.get(title="Jour fixe im Browser")
    assert page.url == f"{base}/meetings/{meeting.pk}/"
    assert timezone.localtime(meeting.starts_at).hour == 10

    member_page = page.context.browser.new_context(locale="de-DE").new_page()
    _sign_in(member_page, base, member.email)
    member_page.goto(f"{base}/meetings/")
    member_page.get_by_role("link", name="Jour fixe im Browser").click()
    with member_page.expect_navigation(url=f"{base}/meetings/{meeting.pk}/"):
        member_page.get_by_role("button", name="Ich nehme teil").click()
    assert Invitee.objects.get(meeting=meeting).answer == Answer.YES
    with member_page.expect_download() as download:
        member_page.get_by_role("link", name="In den Kalender übernehmen (.ics)").click()
    with open(download.value.path(), "rb") as ics:
        event = Calendar.from_ical(ics.read()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Jour fixe im Browser"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"

    member_page.goto(f"{base}/meetings/calendar/")
    member_page.get_by_role("button", name="Adresse erstellen").click()
    feed_url = member_page.input_value("#feed-url-value")
    with urllib.request.urlopen(feed_url) as response:  # noqa: S310 - the live test server
        assert response.headers["Cache-Control"] == "private, no-store"
        titles = [str(e["SUMMARY"]) for e in Calendar.from_ical(response.read()).walk("VEVENT")]
    assert titles == ["Jour fixe im Browser"]

    page.reload()
    assert "nehme teil" in page.content()
