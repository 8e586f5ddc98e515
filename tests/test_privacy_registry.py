"""Every app declares what it holds about a person (privacy.py); one orchestrator exports and
anonymises it all. A person who appears everywhere is deleted, and then nothing in the whole
database names them any more; the export named every record before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from access import services as access_services
from access.models import Invitation
from contacts.models import DigitalOfficer, Person, User
from contacts.selectors import personal_data
from contacts.services import user_anonymise
from core.models import AuditEntry, SecurityEvent
from core.personal_data import covered_models
from core.services import security_log
from projects import services as project_services
from projects.models import ProjectGuest
from spaces.models import Membership, Space
from spaces.services import membership_change_role

from .conftest import client_for
from .factories import MembershipFactory, PersonFactory, ProjectFactory

NAME = "Wiebke Tiedemann-Quast"
EMAIL = "wiebke.tq@partner-quast.example.org"
PHONE = "+49 40 555 0199"


@pytest.fixture
def everywhere(itd, space, other_space, authority):
    """A person in every model of the portal that can name someone."""
    person = PersonFactory(
        user__email=EMAIL,
        user__first_name="Wiebke",
        user__last_name="Tiedemann-Quast",
        authority=authority,
        phone=PHONE,
        function="Referentin Mobilität",
    )
    user = person.user
    # Coordinator of one space (memberships; an audited role change as subject).
    membership = MembershipFactory(person=person, space=space, role=Membership.Role.MEMBER)
    membership_change_role(actor=itd, membership=membership, role=Membership.Role.COORDINATOR)
    DigitalOfficer.objects.create(person=person, authority=authority)
    client = client_for(user)  # a tracked session and an authenticator (coordinators: MFA)
    # An invitation sent by the person, one received and accepted.
    access_services.invitation_create(
        actor=user,
        space=space,
        email="gast.von.wiebke@uni.example.org",
        role="guest",
        until=timezone.localdate() + dt.timedelta(days=30),
        message=f"Liebe Grüße, {NAME}",
    )
    third = Space.objects.exclude(pk__in=[space.pk, other_space.pk]).first()
    access_services.invitation_create(
        actor=itd,
        space=third,
        email=EMAIL,
        role="member",
        until=timezone.localdate() + dt.timedelta(days=30),
        authority=authority,
        first_name="Wiebke",
        last_name="Tiedemann-Quast",
    )
    # Contact person of a project (the project's audit snapshot names her) and project guest.
    project = ProjectFactory(slug="wiebkes-projekt", primary_space=space, lead_authority=authority)
    project_services.project_update(
        actor=itd, project=project, version=project.version, m2m={"contact_persons": [person]}
    )
    guest_of = ProjectFactory(slug="gast-projekt", visibility="restricted")
    project_services.project_guest_add(
        actor=itd, project=guest_of, person=person, until=timezone.localdate()
    )
    # Audit entries as actor: she edits her project.
    project.refresh_from_db()
    project_services.project_update(
        actor=user, project=project, version=project.version, title="Wiebkes Projekt"
    )
    # Discussions: a thread she opened and edited, a reply mentioning her, a post she hid.
    from discussions import services as discussion_services

    thread = discussion_services.thread_start(
        actor=user, where=space, title=f"Frage von {NAME}", body=f"Gruß, {NAME} ({PHONE})"
    )
    discussion_services.post_edit(
        actor=user, post=thread.posts.get(), body=f"Viele Grüße, {NAME}, {EMAIL}"
    )
    reply = discussion_services.post_reply(
        actor=itd, thread=thread, body="Danke @wiebke.tiedemann-quast"
    )
    discussion_services.post_hide(actor=user, post=reply, reason=f"Bitte an {EMAIL} schreiben")
    # The security log: a sign-in, and a failed one with only her address.
    security_log(kind=SecurityEvent.Kind.LOGIN, user=user)
    security_log(kind=SecurityEvent.Kind.LOGIN_FAILED, label=EMAIL)
    # The admin's change log names her account.
    LogEntry.objects.log_actions(
        user_id=itd.pk, queryset=[user], action_flag=CHANGE, change_message="Telefon geändert"
    )
    return {"user": user, "person": person, "client": client, "guest_of": guest_of}


def test_the_export_names_every_record_of_the_person(everywhere):
    data = personal_data(everywhere["user"])
    assert data["account"]["email"] == EMAIL
    assert data["account"]["sessions"]
    assert data["account"]["mfa"]
    assert data["profile"]["phone"] == PHONE
    assert len(data["memberships"]) == 1
    assert len(data["officer_roles"]) == 1
    assert len(data["invitations_sent"]) == 1
    assert len(data["invitations_received"]) == 1
    assert [g["project"] for g in data["project_guest_roles"]] == [str(everywhere["guest_of"])]
    assert data["contact_person_for"] == [{"project": "Wiebkes Projekt"}]
    assert any(e["object"] == "Wiebkes Projekt" for e in data["audit_entries_made"])
    about = data["audit_entries_about_me"]
    assert any("Koordination" in str(e["changes"]) for e in about)  # her role change, by ITD
    assert any(NAME in str(e["changes"]) for e in about)  # named as a contact person
    kinds = {e["kind"] for e in data["security_log"]}
    assert {"Anmeldung", "fehlgeschlagene Anmeldung"} <= kinds
    assert data["admin_log"] == []  # she changed nothing in the admin
    [post] = data["discussions"]
    assert post["thread"] == f"Frage von {NAME}" and post["earlier_versions"]
    activity = data["discussion_activity"]
    assert activity["follows"] == [f"Frage von {NAME}"]
    assert activity["mentioned_in"] and activity["moderated"]


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN "
            "('character varying', 'text', 'jsonb', 'json', 'character')"
        )
        return cursor.fetchall()


def _where_named(needles: list[str]) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608
                    [f"%{needle}%"],
                )
                count = cursor.fetchone()[0]
                if count:
                    found.append(f"{table}.{column}: {count} x {needle!r}")
    return found


def test_after_deletion_no_table_names_the_person(everywhere):
    user = everywhere["user"]
    needles = [NAME, EMAIL, PHONE]
    before = _where_named(needles)
    # The search itself works: before the deletion she is named in many places.
    assert any(f.startswith("contacts_user.") for f in before)
    assert any(f.startswith("core_auditentry.") for f in before)
    assert any(f.startswith("access_invitation.") for f in before)
    user_anonymise(actor=user, user=user, reason="request")
    assert _where_named(needles) == []
    user.refresh_from_db()
    assert str(user) == f"Gelöschte Person {user.pk}"
    # The history stays whole, under the pseudonym.
    assert AuditEntry.objects.filter(actor=user, actor_label=str(user)).exists()
    assert not ProjectGuest.objects.filter(person__user=user, ended_at__isnull=True).exists()
    assert not Membership.objects.open().filter(person__user=user).exists()


def test_the_coordinators_invitation_list_shows_the_pseudonym_not_an_address(everywhere, itd):
    user = everywhere["user"]
    user_anonymise(actor=user, user=user, reason="request")
    html = client_for(itd).get(reverse("access:invitation_list")).content.decode()
    assert f"Gelöschte Person {user.pk}" in html
    assert "@anonymisiert.invalid" not in html


def test_every_model_that_refers_to_a_person_is_declared_in_a_privacy_module():
    covered = covered_models()
    person_models = {User, Person}
    undeclared = []
    for model in apps.get_models(include_auto_created=True):
        refers = [
            f.name
            for f in model._meta.get_fields(include_hidden=True)
            # A many-to-many field is stored in its through model, which is checked itself.
            if f.is_relation
            and f.concrete
            and not f.many_to_many
            and f.related_model in person_models
        ]
        if refers and model not in covered:
            undeclared.append(f"{model._meta.label} ({', '.join(refers)})")
    assert not undeclared, f"models that store a person without a privacy.py entry: {undeclared}"


def test_the_coverage_check_would_see_a_forgotten_model():
    """The check above can fail: memberships refer to people and are declared by spaces."""
    assert Membership in covered_models()
    refers = [
        f.name
        for f in Membership._meta.get_fields()
        if f.is_relation and f.concrete and f.related_model in {User, Person}
    ]
    assert "person" in refers


def test_my_data_page_and_export_list_the_new_sections(everywhere):
    response = everywhere["client"].get(reverse("contacts:my_data_export"))
    body = response.json()
    for key in (
        "memberships",
        "officer_roles",
        "invitations_received",
        "invitations_sent",
        "project_guest_roles",
        "contact_person_for",
        "audit_entries_made",
        "audit_entries_about_me",
        "security_log",
    ):
        assert key in body, key
    assert ContentType.objects.get_for_model(Invitation).app_label == "access"
