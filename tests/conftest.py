"""One fixture per role of the access matrix (DESIGN.md), on the reference spaces.

- itd: ITD staff        - coordinator: coordinates `space` (Mobilität & Energie)
- officer: digitalisation officer of `authority` (BVM), member of `space`
- member: member of `space` for another authority
- guest: external guest of `other_space` (Wissen & Bildung)
- outsider: administration staff with no membership ("other staff")
- anonymous: not signed in
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from contacts.models import Authority
from spaces.models import Membership, Space

from .factories import (
    DigitalOfficerFactory,
    ExternalPersonFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)

ROLES = ("itd", "coordinator", "officer", "member", "guest", "outsider", "anonymous")


@pytest.fixture(autouse=True)
def _portal_test_settings(settings):
    # Tests speak plain HTTP to the test client; TLS redirects are tested explicitly.
    settings.SECURE_SSL_REDIRECT = False
    # A fast hasher: the password validators, not the hash cost, are under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _require_postgresql(db):
    assert connection.vendor == "postgresql", (
        "The suite runs against PostgreSQL: run it with `make test` (DATABASE_URL)."
    )


@pytest.fixture
def space(db) -> Space:
    return Space.objects.get(slug="mobilitaet-energie")


@pytest.fixture
def other_space(db) -> Space:
    return Space.objects.get(slug="wissen-bildung")


@pytest.fixture
def authority(db) -> Authority:
    return Authority.objects.get(code="BVM")


@pytest.fixture
def itd_authority(db) -> Authority:
    return Authority.objects.get(code="ITD")


@pytest.fixture
def itd(db, itd_authority):
    user = UserFactory(
        email="itd@test.example.org", is_itd_staff=True, is_staff=True, is_superuser=True
    )
    PersonFactory(user=user, authority=itd_authority, function="Referentin ITD")
    return user


@pytest.fixture
def coordinator(db, space, authority):
    person = PersonFactory(user__email="coord@test.example.org", authority=authority)
    MembershipFactory(person=person, space=space, role=Membership.Role.COORDINATOR)
    return person.user


@pytest.fixture
def officer(db, space, authority):
    person = PersonFactory(user__email="officer@test.example.org", authority=authority)
    DigitalOfficerFactory(person=person, authority=authority)
    MembershipFactory(person=person, space=space)
    return person.user


@pytest.fixture
def member(db, space):
    person = PersonFactory(
        user__email="member@test.example.org", authority=Authority.objects.get(code="BUKEA")
    )
    MembershipFactory(person=person, space=space)
    return person.user


@pytest.fixture
def guest(db, other_space):
    person = ExternalPersonFactory(user__email="guest@test.example.org")
    MembershipFactory(person=person, space=other_space, role=Membership.Role.GUEST)
    return person.user


@pytest.fixture
def outsider(db):
    person = PersonFactory(
        user__email="staff@test.example.org", authority=Authority.objects.get(code="FB")
    )
    return person.user


@pytest.fixture
def anonymous(db):
    return None


@pytest.fixture
def all_roles(itd, coordinator, officer, member, guest, outsider):
    return {
        "itd": itd,
        "coordinator": coordinator,
        "officer": officer,
        "member": member,
        "guest": guest,
        "outsider": outsider,
        "anonymous": None,
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def client_as(all_roles):
    """client_as("guest") -> a test client signed in as that role."""

    def make(role: str) -> Client:
        return client_for(all_roles[role])

    return make


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    # Tasks run in-process in tests: the worker's behaviour is the task function itself.
    settings.CELERY_TASK_ALWAYS_EAGER = True
