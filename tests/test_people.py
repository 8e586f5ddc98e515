"""A person's page (spaces:person), linked from every name the viewer may open (issue 12, 2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from contacts.models import DigitalOfficer, Person, User
from projects.models import Project
from spaces.models import Membership

from .conftest import client_for
from .factories import MembershipFactory, PersonFactory, ProjectFactory


@pytest.fixture
def target(other_space, authority):
    """A member of Wissen & Bildung (the guest's space) and officer of an authority, who did
    not opt in for guests."""
    person = PersonFactory(
        user__email="ziel.person@example.org",
        user__first_name="Zora",
        user__last_name="Zielinski",
        phone="+49 40 428 77 77",
        function="Referentin Schulbau",
    )
    MembershipFactory(person=person, space=other_space, authority=authority)
    DigitalOfficer.objects.create(person=person, authority=authority)
    return person


def _page(user: User, person: Person) -> Any:
    return client_for(user).get(reverse("spaces:person", kwargs={"pk": person.pk}))


@pytest.mark.parametrize("role", ["itd", "coordinator", "officer", "member", "outsider"])
def test_staff_see_a_persons_function_spaces_officer_role_and_contact_details(
    role, all_roles, target, other_space, authority
):
    response = _page(all_roles[role], target)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Zora Zielinski" in html and "Referentin Schulbau" in html
    assert "ziel.person@example.org" in html and "+49 40 428 77 77" in html
    assert escape(other_space.name) in html
    assert authority.name in html  # the officer role, with the authority


def test_a_guest_sees_the_people_of_their_space_without_details_they_did_not_release(guest, target):
    html = _page(guest, target).content.decode()
    assert "Zora Zielinski" in html and "Referentin Schulbau" in html
    assert "ziel.person@example.org" not in html
    assert "+49 40 428 77 77" not in html
    assert "nicht freigegeben" in html


def test_a_guest_sees_what_the_person_released_to_guests(guest, target):
    target.phone_visible_to_guests = True
    target.save()
    html = _page(guest, target).content.decode()
    assert "+49 40 428 77 77" in html
    assert "ziel.person@example.org" not in html


def test_a_guest_cannot_open_someone_outside_their_spaces(guest, member):
    assert _page(guest, member.person).status_code == 404


def test_a_guest_does_not_see_the_persons_roles_in_spaces_they_do_not_belong_to(
    guest, target, space
):
    MembershipFactory(person=target, space=space, role=Membership.Role.COORDINATOR)
    html = _page(guest, target).content.decode()
    assert escape(space.name) not in html.split('id="person-spaces"')[1].split("</section>")[0]


def test_inactive_or_unknown_people_are_not_found(itd, target):
    target.user.is_active = False
    target.user.save()
    assert _page(itd, target).status_code == 404
    assert client_for(itd).get("/contacts/people/999999/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_sign_in(client, target):
    response = client.get(reverse("spaces:person", kwargs={"pk": target.pk}))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_own_page_offers_to_edit_my_profile(member):
    html = _page(member, member.person).content.decode()
    assert reverse("contacts:my_profile") in html


def test_names_on_the_space_page_and_in_the_directory_link_to_the_persons_page(
    member, target, other_space
):
    url = reverse("spaces:person", kwargs={"pk": target.pk})
    assert url in client_for(member).get(other_space.get_absolute_url()).content.decode()
    assert url in client_for(member).get(reverse("spaces:people")).content.decode()


def test_public_contact_persons_are_not_linked_for_anonymous_visitors(client, target, space):
    target.named_publicly = True
    target.save()
    project = ProjectFactory(primary_space=space, visibility=Project.Visibility.PUBLIC)
    project.contact_persons.add(target)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Zora Zielinski" in html
    assert reverse("spaces:person", kwargs={"pk": target.pk}) not in html


def test_the_person_page_makes_the_same_queries_for_one_and_for_many_memberships(
    itd, target, django_assert_max_num_queries
):
    from spaces.models import Space

    client = client_for(itd)
    client.get(reverse("spaces:person", kwargs={"pk": target.pk}))  # warm the session
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("spaces:person", kwargs={"pk": target.pk}))
    for space in Space.objects.exclude(memberships__person=target):
        MembershipFactory(person=target, space=space)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("spaces:person", kwargs={"pk": target.pk})).content.decode()
    assert html.count('href="/spaces/') >= Space.objects.count()
