"""The outbox: who hears of what, in which language and channel; what a failure does.

Delivery runs in-process here (CELERY_TASK_ALWAYS_EAGER, see conftest); the worker's own
behaviour under a kill is tests/test_worker_kill.py.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from access.models import Invitation
from contacts.models import User
from notifications import jobs, services, tasks
from notifications.kinds import KINDS, Channel, Kind
from notifications.models import Digest, MailStatus, Notification, Preference
from projects import services as project_services
from projects.models import CostCategory, FiscalYear, FundingSource, Milestone, ProjectGuest
from spaces import services as space_services
from spaces.models import Membership

from .conftest import client_for
from .factories import (
    ExternalPersonFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
    make_invitation,
)


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def project(space):
    return ProjectFactory(primary_space=space, health="green", health_reason="")


def notices(user: User, kind: str | None = None) -> list[Notification]:
    found = Notification.objects.filter(recipient=user)
    if kind is not None:
        found = found.filter(kind=kind)
    return list(found.order_by("created_at", "pk"))


def mails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def change_health(actor: User, project: Any, health: str, reason: str) -> Any:
    project.refresh_from_db()
    return project_services.project_update(
        actor=actor, project=project, version=project.version, health=health, health_reason=reason
    )


# --- 1. The outbox ---------------------------------------------------------------------------


def test_a_health_change_notifies_the_space_in_its_transaction_and_mails_after_commit(
    itd, coordinator, member, project, django_capture_on_commit_callbacks
):
    MembershipFactory(person=itd.person, space=project.primary_space)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_health(coordinator, project, "red", "Der Dienstleister ist insolvent.")
        # Written with the change, not sent yet: the mail waits for the commit.
        notice = notices(member, Kind.PROJECT_HEALTH)[0]
        assert notice.mail_status == MailStatus.PENDING
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert "Der Dienstleister ist insolvent." in mails_to(member.email)[0].body
    notice.refresh_from_db()
    assert notice.mail_status == MailStatus.SENT and notice.url == project.get_absolute_url()
    assert notice.project == project and notice.space == project.primary_space
    # Who made the change is not told; ITD staff in the space hear of it in the daily digest
    # (their default).
    assert notices(coordinator) == []
    itd_notice = notices(itd, Kind.PROJECT_HEALTH)[0]
    assert (itd_notice.channel, itd_notice.mail_status) == (Channel.DAILY, MailStatus.DIGEST)
    assert mails_to(itd.email) == []


def test_a_rolled_back_event_writes_and_sends_nothing(
    coordinator, member, project, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        change_health(coordinator, project, "red", "Wird zurückgenommen.")
        raise RuntimeError("the request fails after the change")
    assert Notification.objects.count() == 0
    assert callbacks == [] and mail.outbox == []


def test_membership_added_changed_ended_reach_the_member_and_the_coordinators(
    itd, coordinator, space, django_capture_on_commit_callbacks
):
    person = PersonFactory(user__email="neu@test.example.org")
    with django_capture_on_commit_callbacks(execute=True):
        membership = space_services.membership_create(
            actor=itd, space=space, person=person, role=Membership.Role.MEMBER
        )
    assert [n.kind for n in notices(person.user)] == [Kind.MEMBERSHIP_ADDED]
    assert [n.kind for n in notices(coordinator)] == [Kind.MEMBERSHIP_ADDED]
    assert person.user.email in mails_to(person.user.email)[0].to

    with django_capture_on_commit_callbacks(execute=True):
        membership = space_services.membership_change_role(
            actor=itd, membership=membership, role=Membership.Role.COORDINATOR
        )
        space_services.membership_end(actor=itd, membership=membership)
    kinds = [n.kind for n in notices(person.user)]
    assert kinds == [Kind.MEMBERSHIP_ADDED, Kind.MEMBERSHIP_CHANGED, Kind.MEMBERSHIP_ENDED]
    assert [n.kind for n in notices(coordinator)] == [
        Kind.MEMBERSHIP_ADDED,
        Kind.MEMBERSHIP_ENDED,
    ]
    assert len(mails_to(person.user.email)) == 3


def test_a_new_project_reaches_the_staff_of_its_space_not_the_guests(
    coordinator, member, guest, space, authority, django_capture_on_commit_callbacks
):
    MembershipFactory(person=guest.person, space=space, role=Membership.Role.GUEST)
    with django_capture_on_commit_callbacks(execute=True):
        project = project_services.project_create(
            actor=coordinator,
            title="Ladesäulen-Kataster",
            slug="ladesaeulen-kataster",
            summary="Wo in Hamburg geladen wird.",
            primary_space=space,
            lead_authority=authority,
            status="planned",
            health="green",
            start=dt.date(2026, 1, 1),
            end=dt.date(2027, 12, 31),
            visibility="internal",
        )
    notice = notices(member, Kind.PROJECT_CREATED)[0]
    assert notice.project == project and notice.channel == Channel.DAILY
    assert notices(guest) == [] and notices(coordinator) == []


def test_a_status_change_names_the_old_and_the_new_status(
    coordinator, member, project, django_capture_on_commit_callbacks
):
    project.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        project_services.project_update(
            actor=coordinator, project=project, version=project.version, status="on_hold"
        )
    notice = notices(member, Kind.PROJECT_STATUS)[0]
    subject, text, _html = notice.mail()
    assert "pausiert" in notice.title.lower() and "in Umsetzung" in text


def budget_rows(planned: str, actual: str) -> list[project_services.LineInput]:
    return [
        project_services.LineInput(
            category=CostCategory.objects.get(code="sach"),
            funding_source=FundingSource.objects.get(code="itd"),
            planned=Decimal(planned),
            actual=Decimal(actual),
        )
    ]


def test_budget_over_plan_is_told_once_to_those_who_see_the_budget(
    itd, coordinator, officer, member, project, django_capture_on_commit_callbacks
):
    year = FiscalYear.objects.get(year=2026)
    with django_capture_on_commit_callbacks(execute=True):
        project_services.budget_lines_save(
            actor=itd, project=project, fiscal_year=year, rows=budget_rows("1000.00", "999.00")
        )
    assert Notification.objects.filter(kind=Kind.BUDGET_OVER_PLAN).count() == 0

    line = project.budget_lines.get()
    rows = budget_rows("1000.00", "1250.00")
    rows[0].line_id, rows[0].version = line.pk, line.version
    with django_capture_on_commit_callbacks(execute=True):
        project_services.budget_lines_save(actor=itd, project=project, fiscal_year=year, rows=rows)
    told = {n.recipient for n in Notification.objects.filter(kind=Kind.BUDGET_OVER_PLAN)}
    assert told == {coordinator, officer}  # the stewards; a plain member does not see budgets
    assert "1.250,00" in mails_to(officer.email)[0].body

    # Still over plan after the next save: no second notice.
    line.refresh_from_db()
    rows = budget_rows("1000.00", "1300.00")
    rows[0].line_id, rows[0].version = line.pk, line.version
    with django_capture_on_commit_callbacks(execute=True):
        project_services.budget_lines_save(actor=itd, project=project, fiscal_year=year, rows=rows)
    assert Notification.objects.filter(kind=Kind.BUDGET_OVER_PLAN).count() == 2


def test_the_daily_job_tells_of_milestones_due_and_overdue_once(coordinator, officer, project):
    today = timezone.localdate()
    soon = Milestone.objects.create(
        project=project, title="Ausschreibung", due=today + dt.timedelta(days=5)
    )
    late = Milestone.objects.create(
        project=project, title="Abnahme", due=today - dt.timedelta(days=2)
    )
    Milestone.objects.create(project=project, title="Später", due=today + dt.timedelta(days=30))
    Milestone.objects.create(
        project=project, title="Erledigt", due=today - dt.timedelta(days=9), done=today
    )

    first = jobs.notify_due_and_ending(on=today)
    assert jobs.notify_due_and_ending(on=today) == 0  # run twice: nothing twice
    assert first == 4  # two milestones to two stewards
    due = notices(officer, Kind.MILESTONE_DUE)
    overdue = notices(officer, Kind.MILESTONE_OVERDUE)
    assert [soon.title in n.title for n in due] == [True]
    assert [late.title in n.title for n in overdue] == [True]


def test_a_guest_and_the_inviting_coordinator_hear_that_access_ends_in_14_days(
    coordinator, space, project, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    space_guest = ExternalPersonFactory(user__email="raumgast@partner.example.org")
    MembershipFactory(
        person=space_guest,
        space=space,
        role=Membership.Role.GUEST,
        until=today + dt.timedelta(days=14),
        invited_by=coordinator,
    )
    project_guest = ExternalPersonFactory(user__email="projektgast@partner.example.org")
    ProjectGuest.objects.create(
        person=project_guest,
        project=project,
        until=today + dt.timedelta(days=10),
        invited_by=coordinator,
    )
    later = ExternalPersonFactory(user__email="spaeter@partner.example.org")
    MembershipFactory(
        person=later, space=space, role=Membership.Role.GUEST, until=today + dt.timedelta(days=40)
    )

    with django_capture_on_commit_callbacks(execute=True):
        jobs.notify_due_and_ending(on=today)
        jobs.notify_due_and_ending(on=today)
    assert [n.kind for n in notices(space_guest.user)] == [Kind.ACCESS_ENDING]
    assert [n.kind for n in notices(project_guest.user)] == [Kind.ACCESS_ENDING]
    assert len(notices(coordinator, Kind.ACCESS_ENDING)) == 2
    assert notices(later.user) == []
    # A security notice: it is mailed at once whatever the preference.
    Preference.objects.create(user=space_guest.user, kind=Kind.ACCESS_ENDING, channel="off")
    assert services.channel_for(space_guest.user, Kind.ACCESS_ENDING) == Channel.IMMEDIATE
    assert len(mails_to(space_guest.user.email)) == 1


def test_invitation_sent_accepted_and_expiring(
    coordinator, space, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access:invitation_space_create", args=[space.slug]),
            {
                "email": "neu.gast@partner.example.org",
                "first_name": "Gesa",
                "last_name": "Gast",
                "role": "guest",
                "until": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
            },
        )
    assert response.status_code == 302
    sent = Notification.objects.get(kind=Kind.INVITATION_SENT)
    assert sent.email == "neu.gast@partner.example.org" and sent.recipient is None
    invitation_mail = mails_to("neu.gast@partner.example.org")[0]
    assert "/invitations/" in invitation_mail.body
    # The secret link is not kept once sent.
    sent.refresh_from_db()
    assert sent.mail_status == MailStatus.SENT and sent.mail_text == ""

    invitation, _token = make_invitation(
        space=space,
        invited_by=coordinator,
        expires_at=timezone.now() + dt.timedelta(hours=20),
    )
    jobs.notify_due_and_ending()
    expiring = notices(coordinator, Kind.INVITATION_EXPIRING)
    assert len(expiring) == 1 and invitation.email in expiring[0].title


def test_allauth_account_mails_go_through_the_outbox_encrypted_until_sent(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(None).post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    notice = Notification.objects.get(recipient=member)
    assert notice.kind == Kind.SECURITY and notice.encrypted
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mail_text FROM notifications_notification WHERE id = %s", [notice.pk]
        )
        stored = cursor.fetchone()[0]
    assert "/password/reset/key/" not in stored  # the reset key is stored encrypted
    assert "/password/reset/key/" in notice.mail()[1]
    for callback in callbacks:
        callback()
    assert "/password/reset/key/" in mails_to(member.email)[0].body


# --- 2. Delivery: the centre, the e-mail, the preferences, the digests -------------------------


def test_the_centre_counts_unread_filters_and_marks_read_without_javascript(
    coordinator, member, project, other_space
):
    other = ProjectFactory(primary_space=project.primary_space)
    change_health(coordinator, project, "amber", "Verzug bei der Vergabe.")
    change_health(coordinator, other, "red", "Kein Personal.")
    client = client_for(member)

    home = client.get("/").content.decode()
    assert '>2<span class="visually-hidden"> ungelesen' in home

    listed = client.get(reverse("notifications:list"), {"project": project.slug})
    assert listed.status_code == 200
    body = listed.content.decode()
    assert "Verzug bei der Vergabe." not in body  # the list shows titles; the reason is in the mail
    assert f"{project.title}: Ampel" in body and f"{other.title}: Ampel" not in body
    assert f'href="{project.get_absolute_url()}"' in body

    bad = client.get(reverse("notifications:list"), {"space": "gibt-es-nicht"})
    assert bad.status_code == 400 and "Diesen Raum gibt es nicht." in bad.content.decode()

    # "Mark all read" applies to the current filter only.
    client.post(reverse("notifications:read_all"), {"project": project.slug})
    assert [n.read_at is not None for n in notices(member)] == [True, False]
    remaining = notices(member)[1]
    client.post(reverse("notifications:read", args=[remaining.pk]))
    assert all(n.read_at for n in notices(member))
    assert "ungelesen" not in client.get(reverse("notifications:list")).content.decode()


def test_nobody_reads_or_marks_another_persons_notices(coordinator, member, officer, project):
    change_health(coordinator, project, "red", "Grund")
    notice = notices(member)[0]
    client = client_for(officer)
    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    listed = client.get(reverse("notifications:list")).content.decode()
    assert reverse("notifications:read", args=[notice.pk]) not in listed
    notice.refresh_from_db()
    assert notice.read_at is None
    with pytest.raises(PermissionDenied):
        services.mark_read(actor=officer, notification=notice)


def test_the_mail_is_html_and_text_in_the_recipients_language_with_links_and_unsubscribe(
    coordinator, member, project, django_capture_on_commit_callbacks
):
    member.language = "en"
    member.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        change_health(coordinator, project, "red", "Supplier insolvent.")
    message = mails_to(member.email)[0]
    assert "health" in message.subject and "Ampel" not in message.subject
    html = {kind: body for body, kind in message.alternatives}["text/html"]
    link = django_settings.PORTAL_BASE_URL.rstrip("/") + project.get_absolute_url()
    assert link in message.body and link in html
    assert "/notifications/preferences/" in message.body and "/notifications/preferences/" in html
    assert '<html lang="en"' in html

    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One click from the mail program (no session, no CSRF token): switched off.
    path = unsubscribe.removeprefix(django_settings.PORTAL_BASE_URL.rstrip("/"))
    assert client_for(None).post(path).status_code == 302
    assert services.channel_for(member, Kind.PROJECT_HEALTH) == Channel.OFF


def test_security_mails_have_no_unsubscribe_and_a_forged_token_changes_nothing(member):
    notice = services.notify(
        kind=Kind.SECURITY, recipient=member, compose=lambda: ("Neues Passwort", [])
    )
    assert notice is not None
    assert "List-Unsubscribe" not in services._headers(notice)
    forged = services.unsubscribe_token(member, Kind.PROJECT_HEALTH)[:-3] + "abc"
    response = client_for(None).post(reverse("notifications:unsubscribe", args=[forged]))
    assert response.status_code == 400 and "Abmeldelink ist ungültig" in response.content.decode()
    assert not Preference.objects.exists()
    token = services.unsubscribe_token(member, Kind.SECURITY)
    response = client_for(None).post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400 and not Preference.objects.exists()


def test_preferences_are_saved_per_kind_and_bad_posts_get_400_with_a_message(member):
    client = client_for(member)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="project_health"' in page and 'name="security"' not in page
    form = {
        kind: Channel.IMMEDIATE
        for kind, info in KINDS.items()
        if info.configurable and not info.fixed
    }

    response = client.post(reverse("notifications:preferences"), {**form, "kaiser": "daily"})
    assert response.status_code == 400
    assert "Unbekannte Art von Benachrichtigung: kaiser" in response.content.decode()
    response = client.post(
        reverse("notifications:preferences"), {**form, "project_health": "hourly"}
    )
    assert response.status_code == 400
    assert "Diese Zustellung gibt es nicht." in response.content.decode()
    response = client.post(reverse("notifications:preferences"), {**form, "security": "off"})
    assert response.status_code == 400
    assert not Preference.objects.exists()  # nothing half-written

    response = client.post(
        reverse("notifications:preferences"), {**form, "project_status": "weekly"}
    )
    assert response.status_code == 302
    assert services.channel_for(member, Kind.PROJECT_STATUS) == Channel.WEEKLY
    with pytest.raises(ValidationError):
        services.preferences_set(actor=member, user=member, channels={"security": "off"})


def test_defaults_differ_by_role(itd, member):
    assert services.channel_for(member, Kind.PROJECT_HEALTH) == Channel.IMMEDIATE
    assert services.channel_for(itd, Kind.PROJECT_HEALTH) == Channel.DAILY
    assert services.channel_for(itd, Kind.PROJECT_CREATED) == Channel.WEEKLY
    assert services.channel_for(member, Kind.PROJECT_CREATED) == Channel.DAILY


def test_a_daily_digest_groups_by_space_and_project_newest_first_and_sends_each_item_once(
    coordinator, member, project, django_capture_on_commit_callbacks
):
    other = ProjectFactory(primary_space=project.primary_space, title="Zweites Vorhaben")
    Preference.objects.create(user=member, kind=Kind.PROJECT_HEALTH, channel=Channel.DAILY)
    change_health(coordinator, project, "amber", "Erste Meldung")
    change_health(coordinator, other, "red", "Zweite Meldung")
    change_health(coordinator, project, "red", "Dritte Meldung")
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_build(period=Channel.DAILY) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_build(period=Channel.DAILY) == 0  # nothing new: no mail
    digest_mail = mails_to(member.email)
    assert len(digest_mail) == 1
    body = digest_mail[0].body
    # Grouped: the project of the newest notice first, its two notices newest first.
    assert body.index(project.title) < body.index("Zweites Vorhaben")
    assert body.index("Ampel rot") < body.index("Ampel gelb")
    assert {n.mail_status for n in notices(member)} == {MailStatus.SENT}
    assert Digest.objects.get().mail_status == MailStatus.SENT


def test_nothing_is_lost_or_doubled_when_a_preference_changes_between_windows(
    coordinator, member, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_health(coordinator, project, "amber", "Noch sofort")  # pending, immediately
    services.preferences_set(
        actor=member, user=member, channels={Kind.PROJECT_HEALTH: Channel.DAILY}
    )
    change_health(coordinator, project, "red", "Jetzt gesammelt")
    for callback in callbacks:
        callback()  # the first notice still goes out on its own
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_build(period=Channel.DAILY)
    services.preferences_set(
        actor=member, user=member, channels={Kind.PROJECT_HEALTH: Channel.IMMEDIATE}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_build(period=Channel.DAILY)
        services.requeue_pending(older_than=dt.timedelta(0))

    sent = mails_to(member.email)
    assert len(sent) == 2
    assert "Ampel gelb" in sent[0].subject and "Ampel rot" in sent[1].body
    assert all(n.mail_status == MailStatus.SENT for n in notices(member))


def test_digests_run_at_fixed_times_in_berlin_from_the_database_schedule(db):
    from celery.schedules import crontab
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    from hamburg_digital.celery import app

    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert django_settings.CELERY_TIMEZONE == "Europe/Berlin"
    for name in schedule:
        assert isinstance(schedule[name]["schedule"], crontab), name  # fixed times, not intervals
    for name, entry in schedule.items():  # what beat's DatabaseScheduler does when it starts
        ModelEntry.from_entry(name, app=app, **entry)
    daily = PeriodicTask.objects.get(name="notifications-daily-digest")
    assert daily.crontab is not None and str(daily.crontab.timezone) == "Europe/Berlin"
    assert (daily.crontab.hour, daily.crontab.minute) == ("7", "0")


# --- 3. Reliability ----------------------------------------------------------------------------


def test_delivery_is_idempotent(member):
    notice = services.notify(kind=Kind.ACCOUNT, recipient=member, compose=lambda: ("Hallo", []))
    assert notice is not None
    assert services.deliver(notice.pk) == "sent"
    assert services.deliver(notice.pk) == "skipped"
    assert tasks.send_notification.apply(args=[notice.pk]).get() == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_notice_being_sent_is_neither_sent_nor_requeued_by_another_worker():
    user = User.objects.create_user(email="gesperrt@test.example.org", password="x" * 16)
    notice = Notification(
        recipient=user,
        email=user.email,
        kind=Kind.ACCOUNT,
        title="Hallo",
        mail_status=MailStatus.PENDING,
        enqueued_at=timezone.now() - dt.timedelta(hours=1),
    )
    notice.set_mail(subject="Hallo", text="Hallo", html="")
    notice.save()
    locked, release = threading.Event(), threading.Event()

    def first_worker() -> None:
        with transaction.atomic():
            Notification.objects.select_for_update().get(pk=notice.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert services.deliver(notice.pk) == "skipped"
        assert services.requeue_pending(older_than=dt.timedelta(0)) == 0
    finally:
        release.set()
        thread.join()
    assert mail.outbox == []
    assert services.deliver(notice.pk) == "sent"


def test_a_mail_server_outage_retries_with_backoff_then_fails_visibly_and_itd_retries(
    settings, itd, member, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    settings.NOTIFICATION_MAX_RETRIES = 3
    settings.CELERY_TASK_EAGER_PROPAGATES = False  # run the retries in-process, as a worker would
    notice = services.notify(kind=Kind.ACCOUNT, recipient=member, compose=lambda: ("Hallo", []))
    assert notice is not None
    assert tasks.send_notification.apply(args=[notice.pk]).get() == "failed"
    notice.refresh_from_db()
    assert notice.mail_status == MailStatus.FAILED and notice.attempts == 4
    assert "SMTPServerDisconnected" in notice.last_error
    assert [tasks._backoff(n) for n in range(9)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]

    client = client_for(itd)
    page = client.get(reverse("notifications:failed")).content.decode()
    assert "SMTPServerDisconnected" in page and member.email in page
    assert client_for(member).get(reverse("notifications:failed")).status_code == 403
    retry_url = reverse("notifications:failed_retry", args=["notification", notice.pk])
    assert client_for(member).post(retry_url).status_code == 403

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry_url).status_code == 302
    notice.refresh_from_db()
    assert notice.mail_status == MailStatus.SENT and len(mails_to(member.email)) == 1
    assert client.post(retry_url).status_code == 404  # no longer failed


def test_after_an_outage_itd_sends_every_failed_mail_again_at_once(
    settings, itd, member, coordinator, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    settings.NOTIFICATION_MAX_RETRIES = 0
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    for user in (member, coordinator):
        for n in range(3):
            notice = services.notify(
                kind=Kind.ACCOUNT, recipient=user, compose=lambda n=n: (f"Hinweis {n}", [])
            )
            assert notice is not None
            tasks.send_notification.apply(args=[notice.pk])
    assert Notification.objects.filter(mail_status=MailStatus.FAILED).count() == 6
    page = client_for(itd).get(reverse("notifications:failed")).content.decode()
    assert "6 fehlgeschlagene E-Mails" in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert client_for(member).post(reverse("notifications:failed_retry_all")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(itd).post(reverse("notifications:failed_retry_all"), follow=True)
    assert "6 E-Mails werden erneut gesendet." in response.content.decode()
    assert len(mail.outbox) == 6
    assert not Notification.objects.exclude(mail_status=MailStatus.SENT).exists()


def test_with_the_broker_down_an_invitation_is_saved_the_page_answers_and_mail_follows(
    settings, coordinator, space, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access:invitation_space_create", args=[space.slug]),
            {
                "email": "trotzdem@partner.example.org",
                "first_name": "Tom",
                "last_name": "Trotzdem",
                "role": "guest",
                "until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            },
            follow=True,
        )
    assert response.status_code == 200
    assert Invitation.objects.filter(email="trotzdem@partner.example.org").exists()
    notice = Notification.objects.get(kind=Kind.INVITATION_SENT)
    assert notice.mail_status == MailStatus.PENDING and mail.outbox == []

    # The broker is back: the requeue job hands the notice out; the mail goes once.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_pending(older_than=dt.timedelta(0)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_pending(older_than=dt.timedelta(0)) == 0
    assert len(mails_to("trotzdem@partner.example.org")) == 1


def test_the_requeue_job_waits_a_few_minutes_before_handing_a_notice_out_again(member):
    notice = services.notify(kind=Kind.ACCOUNT, recipient=member, compose=lambda: ("Hallo", []))
    assert notice is not None
    assert services.requeue_pending() == 0  # just enqueued: its worker has it
    Notification.objects.filter(pk=notice.pk).update(
        enqueued_at=timezone.now()
        - dt.timedelta(seconds=django_settings.NOTIFICATION_REQUEUE_AFTER + 1)
    )
    assert services.requeue_pending() == 1


def test_the_worker_settings_lose_nothing():
    assert django_settings.CELERY_TASK_ACKS_LATE is True
    assert django_settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert django_settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # Longer than the longest task plus the longest retry countdown: no second run meanwhile.
    assert visibility > django_settings.CELERY_TASK_TIME_LIMIT + 3600
    assert django_settings.CELERY_TASK_SOFT_TIME_LIMIT < django_settings.CELERY_TASK_TIME_LIMIT
    # The schedule in the database (django-celery-beat), sent only by the lease's holder.
    from django.utils.module_loading import import_string
    from django_celery_beat.schedulers import DatabaseScheduler

    scheduler = import_string(django_settings.CELERY_BEAT_SCHEDULER.replace(":", "."))
    assert issubclass(scheduler, DatabaseScheduler)
