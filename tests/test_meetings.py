"""Meetings of a space (issue 12, point 4): who sees and runs which meeting, the forms and their
bad input, the answers, the .ics file and the personal calendar feed, the reminder the day
before, the notices, the space page's section and activity, and constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from contacts.models import Person, User
from core.models import SecurityEvent
from meetings import services
from meetings.models import Answer, CalendarFeed, Invitee, Meeting
from meetings.permissions import MEETING, may_schedule
from notifications.kinds import Kind
from notifications.models import Notification
from spaces.models import Membership

from .conftest import ROLES, client_for
from .factories import (
    ExternalPersonFactory,
    MembershipFactory,
    PersonFactory,
    audit_of,
    make_meeting,
)

FORMAT = "%Y-%m-%dT%H:%M"


def _local(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _form(*people, **over) -> dict:
    start = _local(5)
    data = {
        "title": "Jour fixe Mobilität",
        "starts_at": start.strftime(FORMAT),
        "ends_at": (start + dt.timedelta(hours=1, minutes=30)).strftime(FORMAT),
        "place": "BVM, Alter Steinweg 4",
        "video_url": "",
        "agenda": "1. Stand\n2. Verschiedenes",
        "invitees": [p.person.pk for p in people],
    }
    data.update(over)
    return data


def _notices(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture
def meeting(space, member):
    """In the coordinator's space, the member invited (the officer, also in the space, not)."""
    return make_meeting(space=space, invitees=[member], title="Jour fixe")


# --- Who sees, who runs a meeting -------------------------------------------------------------

SEES = {"itd", "coordinator", "member"}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_meeting(role, all_roles, meeting):
    user = all_roles[role]
    visible = Meeting.objects.visible_to(user).filter(pk=meeting.pk).exists()
    assert visible is (role in SEES)
    assert MEETING.can(user, "view", meeting) is (role in SEES)
    response = client_for(user).get(meeting.get_absolute_url())
    expected = 200 if role in SEES else (302 if role in ("anonymous", "guest_ended") else 404)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_itd_and_the_coordinators_of_the_space_run_its_meetings(role, all_roles, meeting):
    user = all_roles[role]
    allowed = role in ("itd", "coordinator")
    assert MEETING.can(user, "manage", meeting) is allowed
    assert may_schedule(user, meeting.space) is allowed
    status = client_for(user).get(reverse("meetings:edit", args=[meeting.pk])).status_code
    # Who sees it but may not run it: 403; who does not see it: 404; signed out: sign-in.
    expected = {"itd": 200, "coordinator": 200, "member": 403, "anonymous": 302}
    assert status == expected.get(role, 302 if role == "guest_ended" else 404)


def test_coordinator_of_another_space_neither_sees_nor_runs_its_meetings(coordinator, other_space):
    other = make_meeting(space=other_space)
    assert not MEETING.can(coordinator, "view", other)
    assert not may_schedule(coordinator, other_space)
    url = reverse("meetings:create", args=[other_space.slug])
    assert client_for(coordinator).get(url).status_code == 403


def test_guest_sees_only_the_meetings_of_their_space_they_are_invited_to(
    guest, other_space, space, member
):
    invited = make_meeting(space=other_space, invitees=[guest], title="Mit Gast")
    make_meeting(space=other_space, title="Ohne Gast")
    make_meeting(space=space, invitees=[member], title="Anderer Raum")
    assert list(Meeting.objects.visible_to(guest)) == [invited]
    page = client_for(guest).get(reverse("meetings:space_list", args=[other_space.slug]))
    assert page.status_code == 200
    assert "Mit Gast" in page.content.decode()
    assert "Ohne Gast" not in page.content.decode()
    # The meetings page of a space they are not in: refused.
    assert (
        client_for(guest).get(reverse("meetings:space_list", args=[space.slug])).status_code == 403
    )


def test_an_invitee_who_left_the_space_no_longer_sees_the_meeting(meeting, member, space):
    membership = Membership.objects.get(person__user=member, space=space)
    membership.ended_at = timezone.now()
    membership.until = timezone.localdate()
    membership.save()
    member.refresh_from_db()
    assert not Meeting.objects.visible_to(member).exists()


def test_other_staff_cannot_open_the_meetings_of_a_space(outsider, space):
    url = reverse("meetings:space_list", args=[space.slug])
    assert client_for(outsider).get(url).status_code == 403


# --- Scheduling -------------------------------------------------------------------------------


def test_coordinator_schedules_a_meeting_and_the_invitees_are_notified(
    coordinator, member, officer, space
):
    with_coordinator = _form(member, officer, coordinator)
    response = client_for(coordinator).post(
        reverse("meetings:create", args=[space.slug]), with_coordinator
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.space == space and meeting.created_by == coordinator
    assert timezone.localtime(meeting.starts_at).hour == 10  # entered in Europe/Berlin
    assert set(meeting.invitees.values_list("person__user__email", flat=True)) == {
        member.email,
        officer.email,
        coordinator.email,
    }
    # The invitees, not the coordinator who invited.
    assert _notices(Kind.MEETING_INVITED) == {member.email, officer.email}
    assert audit_of(meeting).filter(action="create").exists()


def test_invite_all_invites_everyone_in_the_space(coordinator, member, officer, space):
    data = _form(invite_all="on")
    client_for(coordinator).post(reverse("meetings:create", args=[space.slug]), data)
    people = set(Meeting.objects.get().invitees.values_list("person__user__email", flat=True))
    assert {member.email, officer.email, coordinator.email} <= people


BAD_INPUT = {
    "ends_before_start": {"ends_at": _local(5, 9).strftime(FORMAT)},
    "start_equals_end": {"ends_at": _local(5, 10).strftime(FORMAT)},
    "far_past": {"starts_at": "1899-03-03T10:00", "ends_at": "1899-03-03T11:00"},
    "far_future": {"starts_at": "2999-03-03T10:00", "ends_at": "2999-03-03T11:00"},
    "too_long": {"ends_at": _local(40, 10).strftime(FORMAT)},
    "javascript_link": {"video_url": "javascript:alert(1)"},
    "http_link": {"video_url": "http://meet.example.org/raum"},
    "data_link": {"video_url": "data:text/html,<script>alert(1)</script>"},
    "no_place_no_link": {"place": "", "video_url": ""},
    "not_a_date": {"starts_at": "31.02.2026 10:00"},
    "no_title": {"title": ""},
    # 29 March 2026, 02:30 does not exist in Europe/Berlin (clocks go forward).
    "nonexistent_local_time": {"starts_at": "2026-03-29T02:30", "ends_at": "2026-03-29T04:00"},
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_meeting_input_is_refused_with_a_message(case, coordinator, member, space):
    data = _form(member, **BAD_INPUT[case])
    response = client_for(coordinator).post(reverse("meetings:create", args=[space.slug]), data)
    assert response.status_code == 400
    assert "kern-error" in response.content.decode()
    assert not Meeting.objects.exists()
    assert not Notification.objects.exists()


def test_inviting_someone_outside_the_space_is_refused(coordinator, member, guest, outsider, space):
    for stranger in (guest, outsider):
        response = client_for(coordinator).post(
            reverse("meetings:create", args=[space.slug]), _form(member, stranger)
        )
        assert response.status_code == 400
        assert "Personen dieses Raums" in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_service_refuses_a_stranger_too(coordinator, member, outsider, space):
    with pytest.raises(services.ValidationError) as error:
        services.meeting_create(
            actor=coordinator,
            space=space,
            title="T",
            starts_at=_local(3),
            ends_at=_local(3, 11),
            place="Raum",
            invitees=[outsider.person],
        )
    assert "invitees" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_the_database_refuses_an_end_before_the_start(space):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(space=space, title="x", starts_at=_local(2), ends_at=_local(2))


# --- Changing and cancelling ------------------------------------------------------------------


def test_a_new_time_is_notified_to_the_invitees_and_raises_the_sequence(
    coordinator, member, officer, space
):
    meeting = make_meeting(space=space, invitees=[member, coordinator])
    data = _form(member, coordinator, officer, starts_at=_local(6).strftime(FORMAT))
    data["ends_at"] = _local(6, 12).strftime(FORMAT)
    response = client_for(coordinator).post(reverse("meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert _notices(Kind.MEETING_CHANGED) == {member.email}  # not the actor
    assert _notices(Kind.MEETING_INVITED) == {officer.email}  # the one added
    changes = audit_of(meeting).latest("pk").changes
    assert {"starts_at", "ends_at", "invitees"} <= set(changes)


def test_who_is_taken_off_the_list_is_told_and_no_longer_sees_the_meeting(
    coordinator, member, officer, space
):
    meeting = make_meeting(space=space, invitees=[member, officer])
    data = _form(officer)
    data.update(
        starts_at=timezone.localtime(meeting.starts_at).strftime(FORMAT),
        ends_at=timezone.localtime(meeting.ends_at).strftime(FORMAT),
        place=meeting.place,
    )
    client_for(coordinator).post(reverse("meetings:edit", args=[meeting.pk]), data)
    notice = Notification.objects.get(kind=Kind.MEETING_CHANGED)
    assert notice.recipient == member and "Nicht mehr eingeladen" in notice.title
    assert notice.url == space.get_absolute_url()
    assert not MEETING.can(member, "view", meeting)


def test_a_new_title_raises_the_sequence_but_is_not_news(coordinator, member, space):
    meeting = make_meeting(space=space, invitees=[member])
    data = _form(member, title="Jour fixe (neu)")
    data.update(
        starts_at=timezone.localtime(meeting.starts_at).strftime(FORMAT),
        ends_at=timezone.localtime(meeting.ends_at).strftime(FORMAT),
        place=meeting.place,
    )
    client_for(coordinator).post(reverse("meetings:edit", args=[meeting.pk]), data)
    meeting.refresh_from_db()
    assert meeting.title == "Jour fixe (neu)" and meeting.sequence == 1
    assert not Notification.objects.filter(kind=Kind.MEETING_CHANGED).exists()


def test_cancelling_notifies_and_marks_the_calendar_event_cancelled(coordinator, member, meeting):
    client = client_for(coordinator)
    response = client.post(reverse("meetings:cancel", args=[meeting.pk]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.sequence == 1
    assert _notices(Kind.MEETING_CHANGED) == {member.email}
    event = _event(client_for(member).get(reverse("meetings:ics", args=[meeting.pk])).content)
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    # A cancelled meeting is not changed any more.
    edit = client.post(reverse("meetings:edit", args=[meeting.pk]), _form(member))
    assert edit.status_code == 400
    assert "abgesagt" in edit.content.decode()


def test_minutes_are_kept_as_plain_text(coordinator, member, meeting):
    text = "TOP 1: <script>alert(1)</script>\nZweite Zeile"
    client = client_for(coordinator)
    response = client.post(reverse("meetings:minutes", args=[meeting.pk]), {"minutes": text})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == text
    page = client_for(member).get(meeting.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page and "<br>Zweite Zeile" in page


def test_a_member_cannot_write_the_minutes(member, meeting):
    response = client_for(member).post(
        reverse("meetings:minutes", args=[meeting.pk]), {"minutes": "x"}
    )
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.minutes == ""


# --- Answers ----------------------------------------------------------------------------------


def test_an_invitee_answers_and_the_coordinator_sees_the_answers(coordinator, member, meeting):
    url = reverse("meetings:answer", args=[meeting.pk])
    assert client_for(member).post(url, {"answer": "maybe"}).status_code == 302
    invitee = Invitee.objects.get(meeting=meeting)
    assert invitee.answer == Answer.MAYBE and invitee.answered_at is not None
    page = client_for(coordinator).get(meeting.get_absolute_url()).content.decode()
    assert "vielleicht" in page
    # The invitee sees who is invited, not the others' answers overview.
    assert "Zusagen:" not in client_for(member).get(meeting.get_absolute_url()).content.decode()


@pytest.mark.parametrize("answer", ["", "ja", "no'; DROP TABLE x", "OPEN"])
def test_an_unknown_answer_is_refused(answer, member, meeting):
    response = client_for(member).post(
        reverse("meetings:answer", args=[meeting.pk]), {"answer": answer}
    )
    assert response.status_code == 400
    assert Invitee.objects.get(meeting=meeting).answer == Answer.OPEN


def test_answering_a_cancelled_meeting_is_refused(member, coordinator, meeting):
    services.meeting_cancel(actor=coordinator, meeting=meeting)
    response = client_for(member).post(
        reverse("meetings:answer", args=[meeting.pk]), {"answer": "yes"}
    )
    assert response.status_code == 400
    assert "abgesagt" in response.content.decode()
    assert Invitee.objects.get(meeting=meeting).answer == Answer.OPEN


def test_answering_without_an_invitation_is_refused(coordinator, meeting):
    response = client_for(coordinator).post(
        reverse("meetings:answer", args=[meeting.pk]), {"answer": "yes"}
    )
    assert response.status_code == 400
    assert "nicht eingeladen" in response.content.decode()
    assert not Invitee.objects.filter(person__user=coordinator).exists()


def test_answering_an_invisible_meeting_is_not_found(officer, meeting):
    response = client_for(officer).post(
        reverse("meetings:answer", args=[meeting.pk]), {"answer": "yes"}
    )
    assert response.status_code == 404


# --- The .ics file ----------------------------------------------------------------------------


def _calendar(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def _event(body: bytes):
    events = list(_calendar(body).walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_the_ics_file_carries_the_meeting_in_berlin_time_with_a_link_back(
    member, meeting, settings
):
    settings.PORTAL_BASE_URL = "https://digitale-raeume.example.org"
    response = client_for(member).get(reverse("meetings:ics", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = _calendar(response.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    event = _event(response.content)
    assert str(event["SUMMARY"]) == "Jour fixe"
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert start == meeting.starts_at and start.hour == 10
    assert event.decoded("DTEND") == meeting.ends_at
    assert str(event["URL"]) == "https://digitale-raeume.example.org" + meeting.get_absolute_url()
    assert meeting.get_absolute_url() in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == meeting.place
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["UID"]) == f"meeting-{meeting.uid}@digitale-raeume.example.org"


def test_the_uid_stays_and_the_sequence_grows_with_each_change(coordinator, member, meeting):
    client = client_for(member)
    url = reverse("meetings:ics", args=[meeting.pk])
    first = _event(client.get(url).content)
    services.meeting_update(
        actor=coordinator,
        meeting=meeting,
        title=meeting.title,
        starts_at=_local(9),
        ends_at=_local(9, 11),
        place="Neuer Ort",
        invitees=[member.person],
    )
    second = _event(client.get(url).content)
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert str(second["LOCATION"]) == "Neuer Ort"


def test_nobody_else_downloads_the_ics(officer, outsider, guest, meeting):
    url = reverse("meetings:ics", args=[meeting.pk])
    for user in (officer, outsider, guest):
        assert client_for(user).get(url).status_code == 404


# --- The calendar feed ------------------------------------------------------------------------


def _feed_token(client) -> str:
    response = client.post(reverse("meetings:feed_renew"))
    assert response.status_code == 302
    page = client.get(reverse("meetings:feed_page")).content.decode()
    marker = "/meetings/calendar/"
    start = page.index(marker, page.index('id="feed-url-value"'))
    return page[start + len(marker) : page.index(".ics", start)]


def test_the_feed_carries_my_meetings_without_a_session(member, meeting, space):
    make_meeting(space=space, title="Ohne mich")
    token = _feed_token(client_for(member))
    from django.test import Client

    response = Client().get(reverse("meetings:feed", args=[token]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    titles = [str(e["SUMMARY"]) for e in _calendar(response.content).walk("VEVENT")]
    assert titles == ["Jour fixe"]


def test_only_the_hash_of_the_token_is_stored(member):
    token = _feed_token(client_for(member))
    feed = CalendarFeed.objects.get(user=member)
    assert token not in feed.token_hash and len(feed.token_hash) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM meetings_calendarfeed WHERE token_hash = %s", [token])
        assert cursor.fetchone()[0] == 0


def test_the_token_is_shown_once(member):
    client = client_for(member)
    token = _feed_token(client)
    assert token not in client.get(reverse("meetings:feed_page")).content.decode()


def test_a_revoked_token_answers_404(member, meeting):
    client = client_for(member)
    token = _feed_token(client)
    assert client.post(reverse("meetings:feed_revoke")).status_code == 302
    assert client.get(reverse("meetings:feed", args=[token])).status_code == 404
    assert not CalendarFeed.objects.get(user=member).is_active
    actions = SecurityEvent.objects.filter(kind=services.FEED_LOG_KIND, user=member)
    assert sorted(e.detail["action"] for e in actions) == ["created", "revoked"]


def test_renewing_ends_the_old_url(member, meeting):
    client = client_for(member)
    old = _feed_token(client)
    new = _feed_token(client)
    assert old != new
    assert client.get(reverse("meetings:feed", args=[old])).status_code == 404
    assert client.get(reverse("meetings:feed", args=[new])).status_code == 200
    assert SecurityEvent.objects.filter(
        kind=services.FEED_LOG_KIND, user=member, detail__action="renewed"
    ).exists()


@pytest.mark.parametrize("token", ["unbekannt", "x" * 300, "%C3%A4", "a.b"])
def test_an_unknown_token_answers_404(token, db):
    from django.test import Client

    assert Client().get(f"/meetings/calendar/{token}.ics").status_code == 404


def test_the_feed_of_a_guest_whose_access_ended_is_empty(guest, other_space):
    make_meeting(space=other_space, invitees=[guest], title="Mit Gast")
    token = _feed_token(client_for(guest))
    membership = Membership.objects.get(person__user=guest)
    membership.until = timezone.localdate() - dt.timedelta(days=1)
    membership.save()
    from django.test import Client

    body = Client().get(reverse("meetings:feed", args=[token])).content
    assert list(_calendar(body).walk("VEVENT")) == []


def test_the_feed_of_a_deactivated_account_answers_404(member):
    token = _feed_token(client_for(member))
    member.is_active = False
    member.save()
    from django.test import Client

    assert Client().get(reverse("meetings:feed", args=[token])).status_code == 404


def test_the_feed_includes_cancelled_meetings_as_cancelled(member, coordinator, meeting):
    services.meeting_cancel(actor=coordinator, meeting=meeting)
    token = _feed_token(client_for(member))
    from django.test import Client

    event = _event(Client().get(reverse("meetings:feed", args=[token])).content)
    assert str(event["STATUS"]) == "CANCELLED"


# --- The reminder the day before --------------------------------------------------------------


def _answer(meeting: Meeting, user: User, answer: str) -> None:
    Invitee.objects.filter(meeting=meeting, person__user=user).update(answer=answer)


def test_the_reminder_goes_once_to_the_invitees_who_have_not_declined(
    space, coordinator, member, officer
):
    declined = PersonFactory(user__email="absage@test.example.org")
    MembershipFactory(person=declined, space=space)
    tomorrow = make_meeting(space=space, days=1, invitees=[member, officer, coordinator, declined])
    _answer(tomorrow, member, Answer.YES)
    _answer(tomorrow, officer, Answer.MAYBE)
    _answer(tomorrow, declined.user, Answer.NO)
    make_meeting(space=space, days=2, invitees=[member], title="Übermorgen")
    cancelled = make_meeting(space=space, days=1, invitees=[member], title="Abgesagt")
    services.meeting_cancel(actor=coordinator, meeting=cancelled)
    Notification.objects.all().delete()

    from meetings.tasks import send_meeting_reminders

    assert send_meeting_reminders() == 3
    assert _notices(Kind.MEETING_REMINDER) == {member.email, officer.email, coordinator.email}
    assert set(
        Notification.objects.filter(kind=Kind.MEETING_REMINDER).values_list("url", flat=True)
    ) == {tomorrow.get_absolute_url()}
    # Again the same day (a second beat, a retried task): nobody twice.
    assert send_meeting_reminders() == 0
    assert Notification.objects.filter(kind=Kind.MEETING_REMINDER).count() == 3


def test_the_reminder_mails_go_out_after_commit(space, member, django_capture_on_commit_callbacks):
    make_meeting(space=space, days=1, invitees=[member])
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reminders_send()
        assert mail.outbox == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_the_reminder_is_scheduled_daily_in_berlin_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["meetings-reminders"]
    assert entry["task"] == "meetings.tasks.send_meeting_reminders"
    assert settings.CELERY_TIMEZONE == "Europe/Berlin"
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {0}


# --- Pages: my meetings, the space's list, the space page --------------------------------------


def test_my_meetings_lists_my_upcoming_meetings_across_spaces(guest, other_space, member, meeting):
    make_meeting(space=other_space, invitees=[guest], title="Gastrunde")
    make_meeting(space=meeting.space, invitees=[member], days=-3, title="Vorbei")
    page = client_for(member).get(reverse("meetings:mine")).content.decode()
    assert "Jour fixe" in page and "Gastrunde" not in page and "Vorbei" not in page


def test_the_space_page_shows_the_next_meetings_and_the_new_one(member, outsider, meeting, space):
    page = client_for(member).get(space.get_absolute_url()).content.decode()
    assert "Nächste Termine" in page
    assert meeting.get_absolute_url() in page
    assert "Termin angelegt: Jour fixe" in page
    other = client_for(outsider).get(space.get_absolute_url()).content.decode()
    assert meeting.get_absolute_url() not in other


def test_the_meeting_list_makes_as_many_queries_for_few_as_for_many(
    coordinator, member, space, django_assert_num_queries
):
    client = client_for(coordinator)
    url = reverse("meetings:space_list", args=[space.slug])
    for days in (3, -3):
        make_meeting(space=space, invitees=[member, coordinator], days=days)
    client.get(url)
    # session, the account with its facts (profile, roles, unread notices: one query), space,
    # upcoming (with answers and counts), past: count and page = 6, for 2 meetings as for 60
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    for days in range(1, 30):
        make_meeting(space=space, invitees=[member, coordinator], days=days)
        make_meeting(space=space, invitees=[member], days=-days - 3)
    with django_assert_num_queries(6):
        page = client.get(url)
    assert page.content.decode().count('href="/meetings/') >= 30 + 20


def test_my_meetings_make_as_many_queries_for_few_as_for_many(
    member, space, other_space, django_assert_num_queries
):
    client = client_for(member)
    make_meeting(space=space, invitees=[member], days=2)
    client.get(reverse("meetings:mine"))
    # session, the account with its facts (profile, roles, officer roles, unread notices: one
    # query), my meetings (with answers and counts) = 3, for 1 meeting as for 38
    with django_assert_num_queries(3):
        client.get(reverse("meetings:mine"))
    for days in range(3, 40):
        make_meeting(space=space, invitees=[member], days=days)
    with django_assert_num_queries(3):
        client.get(reverse("meetings:mine"))


def test_the_space_section_and_activity_make_one_query_each(
    member, space, django_assert_num_queries
):
    from meetings import home, selectors

    for days in range(1, 4):
        make_meeting(space=space, invitees=[member], days=days)
    from spaces.permissions import space_roles

    space_roles(member)  # the roles are cached for the request (one query, once)
    with django_assert_num_queries(1):
        few = selectors.upcoming_in_space(member, space, 5)
    with django_assert_num_queries(1):
        home.activity(member, space, 20)
    for days in range(4, 40):
        make_meeting(space=space, invitees=[member], days=days)
    with django_assert_num_queries(1):
        many = selectors.upcoming_in_space(member, space, 5)
    with django_assert_num_queries(1):
        assert len(home.activity(member, space, 20)) == 20
    assert len(few) == 3 and len(many) == 5


# --- Personal data ----------------------------------------------------------------------------


def test_the_export_and_the_anonymisation_cover_the_meetings(member, coordinator, meeting):
    from core.personal_data import Subject
    from meetings.privacy import _anonymise, _export

    _feed_token(client_for(member))
    meeting.minutes = f"TOP 1: {member.get_full_name()} berichtet."
    meeting.save()
    name = member.get_full_name()
    subject = Subject(user=member, person=member.person, pseudonym="Person 1", needles=[name])
    rows = _export(subject)
    assert any(r.get("meeting") == "Jour fixe" for r in rows)
    assert any("calendar_feed_since" in r for r in rows)
    assert all("token" not in str(r.keys()) or "since" in str(r.keys()) for r in rows)
    _anonymise(subject)
    assert not Invitee.objects.filter(person__user=member).exists()
    assert not CalendarFeed.objects.filter(user=member).exists()
    meeting.refresh_from_db()
    assert meeting.minutes == "TOP 1: Person 1 berichtet."


def test_an_external_person_can_be_invited_as_a_guest_of_the_space(coordinator, space):
    partner = ExternalPersonFactory(user__email="partner@test.example.org")
    MembershipFactory(person=partner, space=space, role=Membership.Role.GUEST)
    meeting = services.meeting_create(
        actor=coordinator,
        space=space,
        title="Mit Partner",
        starts_at=_local(4),
        ends_at=_local(4, 12),
        video_url="https://meet.example.org/raum",
        invitees=[Person.objects.get(pk=partner.pk)],
    )
    assert MEETING.can(partner.user, "view", meeting)
    assert MEETING.can(partner.user, "answer", meeting)
    assert not MEETING.can(partner.user, "manage", meeting)


# --- Demo data --------------------------------------------------------------------------------


def test_seed_demo_adds_meetings_in_two_spaces_without_notices_and_twice_safely(db, settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    meetings = Meeting.objects.all()
    assert set(meetings.values_list("space__slug", flat=True)) == {
        "mobilitaet-energie",
        "wissen-bildung",
    }
    assert Invitee.objects.exclude(answer=Answer.OPEN).exists()
    assert Invitee.objects.filter(person__user__email="mitglied@example.org").exists()
    guest = User.objects.get(email="gast@example.org")
    assert Meeting.objects.visible_to(guest).exists()
    assert not Notification.objects.filter(kind__startswith="meeting").exists()
    counts = (meetings.count(), Invitee.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Meeting.objects.count(), Invitee.objects.count()) == counts


def test_the_edit_form_shows_the_times_in_berlin_and_the_invitees(coordinator, member, meeting):
    page = client_for(coordinator).get(reverse("meetings:edit", args=[meeting.pk])).content
    local = timezone.localtime(meeting.starts_at).strftime(FORMAT)
    assert local.endswith("T10:00")
    assert f'value="{local}"'.encode() in page
    assert f'value="{member.person.pk}" selected'.encode() in page


def test_the_subscription_page_explains_in_english_too(member):
    from django.conf import settings

    client = client_for(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch in the header
    page = client.get(reverse("meetings:feed_page")).content.decode()
    assert "How to subscribe" in page and "Thunderbird" in page and "Outlook" in page
    assert "Treat the address like a password." in page


@pytest.fixture(autouse=True)
def _german_again():
    """A request in English leaves English active in this thread: the next test starts German."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)
