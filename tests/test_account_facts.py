"""What every signed-in request asks of its account comes in one query (portal.facts), and it
is exactly what each app reads on its own: the profile, the active memberships, officer roles
and project invitations, and the unread notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import User
from contacts.permissions import officer_authority_ids
from core.audiences import audience
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.selectors import unread_count
from notifications.services import mark_all_read, mark_read
from portal.backends import LEGACY_BACKENDS, AuthenticationBackend, ModelBackend
from portal.facts import load_account, preload_account_facts
from projects.models import ProjectGuest
from projects.permissions import invited_project_ids
from spaces.models import Membership
from spaces.permissions import space_roles

from .conftest import client_for
from .factories import (
    AuthorityFactory,
    DigitalOfficerFactory,
    MembershipFactory,
    ProjectFactory,
    SpaceFactory,
)

ROLES = ["itd", "coordinator", "officer", "member", "guest", "guest_ended", "outsider"]


def _facts(user: User) -> tuple:
    return (
        audience(user),
        space_roles(user),
        officer_authority_ids(user),
        invited_project_ids(user),
        unread_count(user),
    )


def _notify(user: User, n: int, *, read: bool = False) -> list[Notification]:
    return [
        Notification.objects.create(
            recipient=user,
            email=user.email,
            kind=Kind.PROJECT_CREATED,
            title=f"Neu {i}",
            url="/",
            read_at=timezone.now() if read else None,
        )
        for i in range(n)
    ]


def _with_history(user: User) -> None:
    """Rows that must count and rows that must not: a running and an ended project invitation,
    a future and an ended membership, an ended officer role, read and unread notices."""
    today = timezone.localdate()
    if hasattr(user, "person"):
        person = user.person
        ProjectGuest.objects.create(
            project=ProjectFactory.create(), person=person, until=today + dt.timedelta(days=5)
        )
        ProjectGuest.objects.create(
            project=ProjectFactory.create(),
            person=person,
            since=today - dt.timedelta(days=30),
            until=today - dt.timedelta(days=2),
        )
        MembershipFactory(person=person, space=SpaceFactory(), since=today + dt.timedelta(days=3))
        MembershipFactory(
            person=person,
            space=SpaceFactory(),
            role=Membership.Role.COORDINATOR,
            ended_at=timezone.now() - dt.timedelta(days=1),
        )
        if person.authority_id is not None:
            # Its end date passed, the daily job has not closed it yet.
            DigitalOfficerFactory(
                person=person, authority=AuthorityFactory(), until=today - dt.timedelta(days=1)
            )
    _notify(user, 3)
    _notify(user, 2, read=True)


@pytest.mark.parametrize("role", ROLES)
def test_the_one_query_reads_what_each_app_reads(role, all_roles):
    _with_history(all_roles[role])
    expected = _facts(User.objects.get(pk=all_roles[role].pk))  # each app on its own
    assert expected[4] == 3

    user = User.objects.get(pk=all_roles[role].pk)
    with CaptureQueriesContext(connection) as ctx:
        preload_account_facts(user)
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        facts = _facts(user)
    assert ctx.captured_queries == [], "a fact was read again after the one query"
    assert facts == expected


def test_an_account_without_a_profile(db):
    user = User.objects.create_user(email="ohne.profil@test.example.org", password=None)
    _notify(user, 1)
    expected = (audience(user), {}, frozenset(), frozenset(), 1)
    loaded = User.objects.get(pk=user.pk)
    preload_account_facts(loaded)
    with CaptureQueriesContext(connection) as ctx:
        facts = _facts(loaded)
    assert ctx.captured_queries == []
    assert facts == expected


def test_marking_read_forgets_the_count_of_the_request(member):
    unread = _notify(member, 3)
    user = User.objects.get(pk=member.pk)
    preload_account_facts(user)
    assert unread_count(user) == 3
    mark_read(actor=user, notification=unread[0])
    assert unread_count(user) == 2
    mark_all_read(actor=user, notifications=Notification.objects.all())
    assert unread_count(user) == 0


@pytest.mark.parametrize("role", ["itd", "coordinator", "officer", "member", "guest", "outsider"])
def test_a_plain_page_costs_two_queries_for_every_role(role, all_roles):
    """The layout of a signed-in page: the session, the account with its facts; nothing more,
    and the bell shows the right number."""
    user = all_roles[role]
    _with_history(user)
    client = client_for(user)
    client.get(reverse("core:legal_notice"))  # the first request may stamp the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("core:legal_notice"))
    assert response.status_code == 200
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) == 2, "\n".join(queries)
    assert response.context["unread_notifications"] == 3


@pytest.mark.parametrize("role", ROLES)
def test_the_account_is_read_with_its_facts(role, all_roles):
    """load_account (the backends' get_user) gives the same account, field for field, as the
    ORM, and its facts, in one query."""
    _with_history(all_roles[role])
    expected_user = User.objects.get(pk=all_roles[role].pk)
    expected = _facts(User.objects.get(pk=all_roles[role].pk))
    with CaptureQueriesContext(connection) as ctx:
        user = load_account(all_roles[role].pk)
        facts = _facts(user)
    assert len(ctx.captured_queries) == 1
    assert facts == expected
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(expected_user, field.attname), field.name
    assert user._state.adding is False and user._state.db == "default"


def test_no_such_account_and_a_switched_off_one(member):
    assert load_account(999_999_999) is None
    backend = AuthenticationBackend()
    assert backend.get_user(member.pk) == member
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert backend.get_user(member.pk) is None
    assert ModelBackend().get_user(member.pk) is None


def test_a_switched_off_account_is_signed_out_at_its_next_request(member):
    client = client_for(member)
    assert client.get(reverse("notifications:list")).status_code == 200
    User.objects.filter(pk=member.pk).update(is_active=False)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("legacy", sorted(LEGACY_BACKENDS))
def test_a_session_signed_in_before_the_portals_backends_stays_signed_in(legacy, member):
    """Sessions that name Django's or allauth's backend are carried over, not signed out."""
    client = client_for(member)
    session = client.session
    session[BACKEND_SESSION_KEY] = legacy
    session.save()
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.context["user"] == member
    assert client.session[BACKEND_SESSION_KEY] == LEGACY_BACKENDS[legacy]
    assert LEGACY_BACKENDS[legacy] in settings.AUTHENTICATION_BACKENDS


def test_a_session_naming_an_unknown_backend_is_not_signed_in(member):
    client = client_for(member)
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302


def test_signing_in_names_the_portals_backend(member, client):
    member.set_password("ein-langes-passwort-2026")
    member.save()
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": "ein-langes-passwort-2026"},
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] in set(LEGACY_BACKENDS.values())
