"""What each role sees of another person's contact details (docs/access.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from spaces.models import Membership

from .conftest import client_for
from .factories import MembershipFactory, PersonFactory


@pytest.fixture
def target(other_space):
    """A member of Wissen & Bildung, the guest's space, who did not opt in for guests."""
    person = PersonFactory(
        user__email="ziel.person@example.org",
        user__first_name="Zora",
        user__last_name="Zielinski",
        phone="+49 40 428 77 77",
        function="Referentin Schulbau",
    )
    MembershipFactory(person=person, space=other_space)
    return person


@pytest.mark.parametrize("role", ["itd", "coordinator", "officer", "member", "outsider"])
def test_staff_see_email_and_phone(role, all_roles, target, other_space):
    html = client_for(all_roles[role]).get(other_space.get_absolute_url()).content.decode()
    assert "Zora Zielinski" in html
    assert "ziel.person@example.org" in html
    assert "+49 40 428 77 77" in html
    assert target.authority.name_de in html


def test_guest_sees_names_and_functions_but_no_details_without_opt_in(guest, target, other_space):
    html = client_for(guest).get(other_space.get_absolute_url()).content.decode()
    assert "Zora Zielinski" in html
    assert "Referentin Schulbau" in html
    assert "ziel.person@example.org" not in html
    assert "+49 40 428 77 77" not in html
    assert target.authority.name_de not in html


def test_guest_sees_details_the_person_opted_in_to(guest, target, other_space):
    target.email_visible_to_guests = True
    target.save()
    html = client_for(guest).get(other_space.get_absolute_url()).content.decode()
    assert "ziel.person@example.org" in html
    assert "+49 40 428 77 77" not in html


def test_guest_sees_nobody_in_a_space_they_were_not_invited_to(guest, coordinator, space):
    html = client_for(guest).get(space.get_absolute_url()).content.decode()
    assert coordinator.last_name not in html
    assert coordinator.email not in html


def test_anonymous_sees_no_people(coordinator, space):
    html = client_for(None).get(space.get_absolute_url()).content.decode()
    assert coordinator.last_name not in html
    assert coordinator.email not in html


def test_guest_directory_lists_only_people_of_their_space(guest, target, coordinator):
    html = client_for(guest).get(reverse("spaces:people")).content.decode()
    assert "Zora Zielinski" in html
    assert coordinator.last_name not in html
    assert "ziel.person@example.org" not in html


def test_staff_directory_lists_everyone_with_details(outsider, target, coordinator):
    html = client_for(outsider).get(reverse("spaces:people")).content.decode()
    assert "Zora Zielinski" in html
    assert coordinator.last_name in html
    assert "ziel.person@example.org" in html


def test_directory_search_by_name_authority_and_space(itd, target, coordinator, space):
    client = client_for(itd)
    by_name = client.get(reverse("spaces:people"), {"q": "Zielinski"}).content.decode()
    assert "Zora Zielinski" in by_name and coordinator.last_name not in by_name
    by_space = client.get(reverse("spaces:people"), {"space": space.slug}).content.decode()
    assert coordinator.last_name in by_space and "Zora Zielinski" not in by_space
    by_authority = client.get(
        reverse("spaces:people"), {"authority": target.authority.code}
    ).content.decode()
    assert "Zora Zielinski" in by_authority and coordinator.last_name not in by_authority


def test_directory_with_unknown_filter_answers_with_a_message(itd):
    response = client_for(itd).get(reverse("spaces:people"), {"authority": "XYZ"})
    assert response.status_code == 200
    assert "Diese Behörde gibt es nicht." in response.content.decode()


def test_ended_membership_no_longer_shows(itd, target, other_space):
    membership = Membership.objects.get(person=target)
    from spaces.services import membership_end

    membership_end(actor=itd, membership=membership)
    html = client_for(itd).get(other_space.get_absolute_url()).content.decode()
    members, former = html.split('id="former"', 1)
    assert "Zora Zielinski" not in members  # nor in the activity stream
    assert "Zora Zielinski" in former  # listed separately, for those who see members


def test_a_guest_page_of_people_looks_up_only_the_people_it_shows(guest, other_space, authority):
    """ "Shares a space with me" is asked for the page's people together, never read whole (a
    guest of a space of thousands would read all of them on every page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(60):
        person = PersonFactory(authority=authority, user__last_name=f"Raum{i:02}")
        MembershipFactory(person=person, space=other_space)
    client = client_for(guest)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("spaces:people")).content.decode()
    assert "Raum00" in page and "Raum59" not in page  # a page of 50, by name
    whole = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "spaces_membership"."person_id"')
        and '"spaces_membership"."person_id" IN (' not in q["sql"]
    ]
    assert whole == [], whole
    looked_up = [
        q["sql"] for q in ctx.captured_queries if '"spaces_membership"."person_id" IN (' in q["sql"]
    ]
    assert len(looked_up) == 1


def _read_whole(queries) -> list[str]:
    """The queries that read all of a guest's "shares a space with me" set (not looked up
    for given people)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "spaces_membership"."person_id"')
        and '"spaces_membership"."person_id" IN (' not in q["sql"]
    ]


def test_a_guest_on_a_project_page_looks_up_only_its_contact_persons(guest, other_space):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import ProjectFactory

    project = ProjectFactory(primary_space=other_space, visibility="internal")
    contacts = [PersonFactory(user__last_name=f"Kontakt{i}") for i in range(2)]
    for person in contacts:
        MembershipFactory(person=person, space=other_space)
    project.contact_persons.set(contacts)
    for _ in range(3):
        MembershipFactory(space=other_space)  # others the guest shares the space with
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(guest).get(project.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kontakt0" in page and "Kontakt1" in page
    assert _read_whole(ctx.captured_queries) == []


@pytest.mark.parametrize("where", ["person page", "authority page", "API list", "API one"])
def test_a_guest_looks_up_only_the_people_a_page_shows(where, guest, other_space, authority):
    """A person's page, an authority's officers, the API's people: "shares a space with me"
    for the people shown, never the whole set."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import DigitalOfficerFactory

    person = PersonFactory(authority=authority, user__last_name="Nachbarin")
    MembershipFactory(person=person, space=other_space)
    DigitalOfficerFactory(person=person, authority=authority)
    for _ in range(3):
        MembershipFactory(space=other_space)
    url = {
        "person page": reverse("spaces:person", args=[person.pk]),
        "authority page": reverse("spaces:authority_detail", args=[authority.code]),
        "API list": reverse("api:person-list"),
        "API one": reverse("api:person-detail", args=[person.pk]),
    }[where]
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(guest).get(url)
    assert response.status_code == 200, where
    assert "Nachbarin" in response.content.decode(), where
    assert _read_whole(ctx.captured_queries) == [], where
