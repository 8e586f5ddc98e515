"""Data protection: personal data page and export, deletion by anonymisation, retention jobs,
guest access ending, and the legal pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access import tasks
from contacts import services
from contacts.models import Person, User
from core import tasks as core_tasks
from core.audiences import SYSTEM_ACTOR
from core.models import AuditEntry, SecurityEvent
from core.services import security_log
from spaces.models import Membership

from .conftest import client_for
from .factories import PASSWORD, ExternalPersonFactory, MembershipFactory, audit_of, make_invitation


def _today() -> dt.date:
    return timezone.localdate()


def _tracked_client(user: User) -> Client:
    """A signed-in client whose session is tracked like one from the sign-in page."""
    client = client_for(user)
    UserSession.objects.get_or_create(
        session_key=client.session.session_key,
        defaults={"user": user, "ip": "127.0.0.1", "user_agent": "test"},
    )
    return client


# --- /my-data/ -----------------------------------------------------------------------------


def test_my_data_shows_what_the_portal_stores_about_me(member, space, coordinator):
    security_log(kind=SecurityEvent.Kind.LOGIN, user=member)
    make_invitation(space=space, invited_by=coordinator, email=member.email)
    response = client_for(member).get(reverse("contacts:my_data"))
    assert response.status_code == 200
    body = response.content.decode()
    assert member.email in body
    assert escape(space.name) in body
    assert "Anmeldung" in body  # the security log entry about me
    assert "1 Einladung erhalten" in body
    assert coordinator.email not in body
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )


def test_export_downloads_everything_as_json_and_is_logged(member, space, coordinator):
    AuditEntry.objects.create(
        actor=member,
        actor_label=member.get_full_name(),
        action=AuditEntry.Action.UPDATE,
        content_type=ContentType.objects.get_for_model(Membership),
        object_id="1",
        object_repr="Haushaltszeile 2026",
    )
    make_invitation(space=space, invited_by=member, email="partner@example.org")
    response = client_for(member).get(reverse("contacts:my_data_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == member.email
    assert data["profile"]["phone"] == member.person.phone
    assert [m["space"] for m in data["memberships"]] == [space.name]
    assert data["invitations_sent"][0]["email"] == "partner@example.org"
    assert data["audit_entries_made"][0]["object"] == "Haushaltszeile 2026"
    assert "password" not in json.dumps(data)
    assert "token" not in json.dumps(data)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DATA_EXPORT, user=member).exists()


def test_export_contains_only_my_data(member, officer):
    data = json.loads(client_for(member).get(reverse("contacts:my_data_export")).content)
    assert officer.email not in json.dumps(data)
    assert data["officer_roles"] == []


# --- Deletion (anonymisation) --------------------------------------------------------------


def test_deleting_my_account_asks_for_the_password_first(member):
    client = client_for(member)
    assert client.get(reverse("contacts:my_data_delete")).status_code == 200
    wrong = client.post(reverse("contacts:my_data_delete"), {"password": "falsch", "confirm": "on"})
    assert wrong.status_code == 400
    assert "nicht richtig" in wrong.content.decode()
    unconfirmed = client.post(reverse("contacts:my_data_delete"), {"password": PASSWORD})
    assert unconfirmed.status_code == 400
    member.refresh_from_db()
    assert member.is_active and member.email == "member@test.example.org"


def test_deleting_my_account_anonymises_it_and_keeps_history_under_a_pseudonym(member, space):
    client = _tracked_client(member)
    old_name = member.get_full_name()
    membership = Membership.objects.get(person__user=member)
    budget_entry = AuditEntry.objects.create(
        actor=member,
        actor_label=old_name,
        action=AuditEntry.Action.UPDATE,
        content_type=ContentType.objects.get_for_model(Membership),
        object_id="42",
        object_repr="Budgetzeile 2026",
        changes={"planned": {"old": "100.00", "new": "200.00"}},
    )
    security_log(kind=SecurityEvent.Kind.LOGIN, user=member)
    security_log(kind=SecurityEvent.Kind.LOGIN_FAILED, label=member.email)
    audit_count = AuditEntry.objects.count()

    response = client.post(
        reverse("contacts:my_data_delete"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302

    member.refresh_from_db()
    pseudonym = services.pseudonym_for(member)
    assert pseudonym == f"Gelöschte Person {member.pk}"
    assert member.email.endswith("@anonymisiert.invalid")
    assert member.get_full_name() == pseudonym
    assert str(member) == pseudonym
    assert not member.has_usable_password()
    assert not member.is_active
    person = Person.objects.get(user=member)
    assert person.phone == person.function == ""
    membership.refresh_from_db()
    assert membership.ended_at is not None
    assert not UserSession.objects.filter(user=member).exists()
    # The history stays whole: same entries, the person only as a pseudonym.
    assert AuditEntry.objects.count() >= audit_count
    budget_entry.refresh_from_db()
    assert budget_entry.actor_label == pseudonym
    assert budget_entry.changes == {"planned": {"old": "100.00", "new": "200.00"}}
    assert not AuditEntry.objects.filter(actor_label=old_name).exists()
    labels = set(SecurityEvent.objects.values_list("user_label", flat=True))
    assert "member@test.example.org" not in labels
    assert pseudonym in labels
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DELETION, user=member).exists()
    membership_audit = audit_of(membership)
    assert all(old_name not in e.object_repr for e in membership_audit)
    assert all(old_name not in json.dumps(e.changes) for e in membership_audit)
    # Signed out, and the old password opens nothing.
    assert client.get(reverse("dashboard")).status_code == 302
    assert not Client().login(email="member@test.example.org", password=PASSWORD)


def test_anonymising_twice_changes_nothing_twice(member):
    services.user_anonymise(actor=member, user=member, reason="request")
    email = User.objects.get(pk=member.pk).email
    services.user_anonymise(actor=SYSTEM_ACTOR, user=member, reason="retention")
    assert User.objects.get(pk=member.pk).email == email
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DELETION).count() == 1


def test_nobody_but_itd_anonymises_someone_else(member, outsider):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.user_anonymise(actor=outsider, user=member, reason="request")
    assert User.objects.get(pk=member.pk).is_active


def test_pseudonyms_differ_between_people(member, outsider):
    assert services.pseudonym_for(member) != services.pseudonym_for(outsider)


# --- Guest access ending -------------------------------------------------------------------


def test_an_ended_guest_is_signed_out_at_the_next_request(guest_ended, other_space):
    client = client_for(guest_ended)
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[0][1] == 302
    assert "Ihr Zugang ist beendet" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The space answers as to an anonymous visitor: no members.
    page = client.get(other_space.get_absolute_url()).content.decode()
    assert "Wer in diesem Raum mitarbeitet" in page


def test_the_daily_job_closes_the_access_and_ends_the_guests_sessions(guest_ended, guest):
    ended_client = _tracked_client(guest_ended)
    _tracked_client(guest)
    assert tasks.end_expired_access() == 1
    membership = Membership.objects.get(person__user=guest_ended)
    assert membership.ended_at is not None
    assert not UserSession.objects.filter(user=guest_ended).exists()
    assert UserSession.objects.filter(user=guest).exists()
    assert "_auth_user_id" not in ended_client.session
    # Running it again does nothing twice.
    assert tasks.end_expired_access() == 0


def test_a_guest_whose_access_ends_keeps_staff_untouched(outsider):
    client = _tracked_client(outsider)  # staff without any membership keep their account
    assert client.get(reverse("dashboard")).status_code == 200
    tasks.end_expired_access()
    assert UserSession.objects.filter(user=outsider).exists()


# --- Guest scope ---------------------------------------------------------------------------


def test_guest_sees_only_their_own_space(guest, other_space, space, coordinator):
    client = client_for(guest)
    own = client.get(other_space.get_absolute_url()).content.decode()
    assert "Ihre Rolle" in own
    foreign = client.get(space.get_absolute_url()).content.decode()
    assert coordinator.get_full_name() not in foreign
    people = client.get(reverse("spaces:people")).content.decode()
    assert coordinator.get_full_name() not in people
    assert client.get(reverse("spaces:matrix")).status_code == 403
    assert client.get(reverse("access:invitation_space_list", args=[space.slug])).status_code == 403
    assert client.get(reverse("access:invitation_list")).status_code == 403


def test_guest_sees_no_contact_details_without_opt_in(guest, other_space):
    colleague = ExternalPersonFactory(phone="+49 40 0000 0000")
    MembershipFactory(person=colleague, space=other_space, role=Membership.Role.GUEST)
    page = client_for(guest).get(other_space.get_absolute_url()).content.decode()
    assert colleague.name in page
    assert colleague.user.email not in page
    assert colleague.phone not in page


# --- Retention -----------------------------------------------------------------------------


def _guest_ended_days_ago(days: int, email: str):
    person = ExternalPersonFactory(user__email=email)
    until = _today() - dt.timedelta(days=days)
    MembershipFactory(
        person=person,
        role=Membership.Role.GUEST,
        space__slug="wissen-bildung",
        since=until - dt.timedelta(days=30),
        until=until,
        ended_at=timezone.now() - dt.timedelta(days=days),
    )
    return person.user


def test_guests_are_anonymised_after_the_retention_period(settings, outsider):
    settings.GUEST_RETENTION_DAYS = 180
    old = _guest_ended_days_ago(181, "alt@partner.example.org")
    recent = _guest_ended_days_ago(179, "neu@partner.example.org")
    active = ExternalPersonFactory(user__email="aktiv@partner.example.org")
    MembershipFactory(person=active, role=Membership.Role.GUEST, space__slug="wissen-bildung")
    assert tasks.anonymise_guests_after_retention() == 1
    assert User.objects.get(pk=old.pk).email.endswith("@anonymisiert.invalid")
    assert User.objects.get(pk=recent.pk).email == "neu@partner.example.org"
    assert User.objects.get(pk=active.user.pk).is_active
    assert User.objects.get(pk=outsider.pk).is_active
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.DELETION, detail__reason="retention"
        ).count()
        == 1
    )
    assert tasks.anonymise_guests_after_retention() == 0


def test_the_retention_period_is_a_setting(settings):
    settings.GUEST_RETENTION_DAYS = 10
    user = _guest_ended_days_ago(11, "kurz@partner.example.org")
    tasks.anonymise_guests_after_retention()
    assert not User.objects.get(pk=user.pk).is_active


def test_old_security_log_entries_are_deleted(settings, member):
    settings.SECURITY_LOG_RETENTION_DAYS = 30
    old = security_log(kind=SecurityEvent.Kind.LOGIN, user=member)
    SecurityEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=31)
    )
    recent = security_log(kind=SecurityEvent.Kind.LOGIN, user=member)
    assert core_tasks.purge_security_log() == 1
    assert not SecurityEvent.objects.filter(pk=old.pk).exists()
    assert SecurityEvent.objects.filter(pk=recent.pk).exists()


def test_the_jobs_are_scheduled_daily():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "access.tasks.end_expired_access",
        "access.tasks.anonymise_guests_after_retention",
        "core.tasks.purge_security_log",
    } <= tasks_scheduled


def test_security_log_is_readable_by_itd_only(itd, outsider, member):
    security_log(kind=SecurityEvent.Kind.LOGIN, user=member)
    url = reverse("admin:core_securityevent_changelist")
    assert client_for(itd).get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 302


# --- Legal pages ---------------------------------------------------------------------------


def test_privacy_notice_names_controller_rights_authority_and_each_retention_period(db, settings):
    settings.GUEST_RETENTION_DAYS = 77
    settings.SECURITY_LOG_RETENTION_DAYS = 88
    body = Client().get(reverse("core:privacy")).content.decode()
    assert "Senatskanzlei" in body and "Amt für IT und Digitalisierung" in body
    assert "77 Tage" in body and "88 Tagen" in body
    for article in ("Art. 15", "Art. 16", "Art. 17", "Art. 18", "Art. 20", "Art. 21"):
        assert article in body
    assert "Hamburgische Beauftragte für Datenschutz und Informationsfreiheit" in body
    assert "Rechtsgrundlage" in body


def test_accessibility_statement_has_feedback_contact_and_enforcement(db, settings):
    settings.PORTAL_FEEDBACK_EMAIL = "barrieren@hamburg.example.org"
    body = Client().get(reverse("core:accessibility")).content.decode()
    assert "BITV 2.0" in body
    assert "mailto:barrieren@hamburg.example.org" in body
    assert "Ombudsstelle für barrierefreie Informationstechnik" in body


def test_legal_notice_and_terms_are_public(db):
    assert "Impressum" in Client().get(reverse("core:legal_notice")).content.decode()
    assert "Nutzungsbedingungen" in Client().get(reverse("core:terms")).content.decode()


def test_placeholders_are_marked_as_such(db, settings):
    body = Client().get(reverse("core:legal_notice")).content.decode()
    assert "Platzhalter" in body


def test_footer_links_the_legal_pages(db, member):
    anonymous = Client().get(reverse("home")).content.decode()
    for name in ("core:privacy", "core:legal_notice", "core:accessibility", "core:terms"):
        assert f'href="{reverse(name)}"' in anonymous
    assert f'href="{reverse("contacts:my_data")}"' not in anonymous
    assert (
        f'href="{reverse("contacts:my_data")}"'
        in client_for(member).get(reverse("home")).content.decode()
    )


def test_guests_of_a_single_project_are_anonymised_after_the_retention_period(settings, itd):
    from projects.models import ProjectGuest

    from .factories import ProjectFactory

    settings.GUEST_RETENTION_DAYS = 30
    person = ExternalPersonFactory(user__email="projekt.alt@partner.example.org")
    ProjectGuest.objects.create(
        project=ProjectFactory(),
        person=person,
        since=_today() - dt.timedelta(days=60),
        until=_today() - dt.timedelta(days=31),
        ended_at=timezone.now() - dt.timedelta(days=31),
    )
    running = ExternalPersonFactory(user__email="projekt.aktiv@partner.example.org")
    ProjectGuest.objects.create(
        project=ProjectFactory(), person=running, until=_today() + dt.timedelta(days=3)
    )
    assert tasks.anonymise_guests_after_retention() == 1
    assert not User.objects.get(pk=person.user.pk).is_active
    assert User.objects.get(pk=running.user.pk).is_active
