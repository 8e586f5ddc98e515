"""Managing members from the space page: the happy path and every bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from contacts.models import Person
from core.models import AuditEntry
from spaces import services
from spaces.models import Membership

from .conftest import client_for
from .factories import ExternalPersonFactory, MembershipFactory, PersonFactory, audit_of

TODAY = timezone.localdate


def _add(client, space, **data):
    payload = {"since": TODAY().isoformat(), "role": "member", **data}
    return client.post(reverse("spaces:member_add", kwargs={"slug": space.slug}), payload)


def test_coordinator_adds_a_member_and_it_is_audited(coordinator, space):
    newcomer = PersonFactory()
    response = _add(client_for(coordinator), space, person=newcomer.pk)
    assert response.status_code == 302
    membership = Membership.objects.get(person=newcomer, space=space)
    assert membership.role == Membership.Role.MEMBER
    assert membership.authority == newcomer.authority
    entry = audit_of(membership).get()
    assert entry.actor == coordinator
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.changes["role"]["new"] == "Mitglied"


def test_duplicate_membership_is_refused_with_a_message(coordinator, member, space):
    before = Membership.objects.count()
    response = _add(client_for(coordinator), space, person=member.person.pk)
    assert response.status_code == 400
    assert "bereits Mitglied dieses Raums" in response.content.decode()
    assert Membership.objects.count() == before


def test_database_refuses_a_second_open_membership(member, space):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=member.person, space=space, role="member")


def test_end_before_start_is_refused(coordinator, space):
    newcomer = PersonFactory()
    response = _add(
        client_for(coordinator),
        space,
        person=newcomer.pk,
        since="2026-05-10",
        until="2026-05-01",
    )
    assert response.status_code == 400
    assert "Das Ende darf nicht vor dem Beginn liegen." in response.content.decode()
    assert not Membership.objects.filter(person=newcomer).exists()


def test_guest_without_end_date_is_refused(coordinator, space):
    external = ExternalPersonFactory()
    response = _add(client_for(coordinator), space, person=external.pk, role="guest")
    assert response.status_code == 400
    assert "Ein Gastzugang braucht immer ein Enddatum." in response.content.decode()
    assert not Membership.objects.filter(person=external).exists()


def test_malformed_input_gets_messages_not_a_500(coordinator, space):
    response = _add(client_for(coordinator), space, person="abc", role="kaiser", since="gestern")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bitte wählen Sie eine Person aus der Liste." in html
    assert 'aria-invalid="true"' in html


def test_coordinator_cannot_name_a_coordinator(coordinator, space):
    newcomer = PersonFactory()
    response = _add(client_for(coordinator), space, person=newcomer.pk, role="coordinator")
    assert response.status_code == 400
    assert not Membership.objects.filter(person=newcomer).exists()


@pytest.mark.parametrize("role", ["officer", "member", "guest", "outsider"])
def test_form_posted_without_the_right_is_forbidden_and_writes_nothing(role, all_roles, space):
    newcomer = PersonFactory()
    response = _add(client_for(all_roles[role]), space, person=newcomer.pk)
    assert response.status_code == 403
    assert not Membership.objects.filter(person=newcomer).exists()


def test_anonymous_post_is_sent_to_sign_in_and_writes_nothing(space):
    newcomer = PersonFactory()
    response = _add(client_for(None), space, person=newcomer.pk)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Membership.objects.filter(person=newcomer).exists()


def test_change_role_to_guest_needs_an_end_date(itd, member, space):
    membership = Membership.objects.get(person__user=member, space=space)
    url = reverse("spaces:member_role", kwargs={"slug": space.slug, "pk": membership.pk})
    response = client_for(itd).post(url, {"role": "guest"})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER
    until = (TODAY() + dt.timedelta(days=30)).isoformat()
    response = client_for(itd).post(url, {"role": "guest", "until": until})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Membership.Role.GUEST
    entry = audit_of(membership).first()
    assert entry.changes["role"] == {"old": "Mitglied", "new": "Gast"}


def test_end_membership_asks_first_then_ends_and_audits(coordinator, member, space):
    membership = Membership.objects.get(person__user=member, space=space)
    url = reverse("spaces:member_end", kwargs={"slug": space.slug, "pk": membership.pk})
    client = client_for(coordinator)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Ja, Mitgliedschaft beenden" in confirm.content.decode()
    membership.refresh_from_db()
    assert membership.ended_at is None
    response = client.post(url)
    assert response.status_code == 303 and response["Location"] == space.get_absolute_url()
    membership.refresh_from_db()
    assert membership.ended_at is not None
    assert not membership.is_active
    assert audit_of(membership).filter(actor=coordinator).exists()


def test_back_after_ending_a_membership_leads_to_a_friendly_page(coordinator, member, space):
    """The confirmation page of an ended membership is gone: 410 with the way back to the space,
    for the one who ended it; anyone else still gets 404 (nothing leaks)."""
    membership = Membership.objects.get(person__user=member, space=space)
    url = reverse("spaces:member_end", kwargs={"slug": space.slug, "pk": membership.pk})
    client = client_for(coordinator)
    client.post(url)
    back = client.get(url)
    assert back.status_code == 410
    assert space.get_absolute_url() in back.content.decode()
    assert "Zurück zum Raum" in back.content.decode()


def test_ended_member_can_be_added_again(itd, member, space):
    membership = Membership.objects.get(person__user=member, space=space)
    services.membership_end(actor=itd, membership=membership)
    again = services.membership_create(
        actor=itd, space=space, person=member.person, role=Membership.Role.MEMBER
    )
    assert again.pk != membership.pk


def test_expired_guest_access_is_closed_by_the_daily_job(other_space):
    guest = MembershipFactory(
        person=ExternalPersonFactory(),
        space=other_space,
        role=Membership.Role.GUEST,
        since=TODAY() - dt.timedelta(days=100),
        until=TODAY() - dt.timedelta(days=1),
    )
    from spaces.services import memberships_close_expired as close_expired_memberships

    assert close_expired_memberships() == 1
    guest.refresh_from_db()
    assert guest.ended_at is not None
    assert close_expired_memberships() == 0  # running twice does nothing twice


def test_service_refuses_guest_without_end_even_without_form(itd, space):
    with pytest.raises(ValidationError):
        services.membership_create(
            actor=itd, space=space, person=ExternalPersonFactory(), role=Membership.Role.GUEST
        )


# --- The person list: a search instead of thousands of options (issue 11, point 3) -------------


def _options(html: str) -> list[str]:
    import re

    select = html.split('id="id_person"', 1)[1].split("</select>", 1)[0]
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def test_the_person_list_shows_a_few_dozen_and_says_how_many_match(coordinator, space):
    from spaces.selectors import PEOPLE_TO_PICK

    PersonFactory.create_batch(PEOPLE_TO_PICK + 10, user__last_name="Petersen")
    url = reverse("spaces:member_add", kwargs={"slug": space.slug})
    html = client_for(coordinator).get(url).content.decode()
    assert len(_options(html)) == PEOPLE_TO_PICK
    total = Person.objects.filter(user__is_active=True).count()
    assert f"{total} Personen passen; die Liste „Person“ zeigt die ersten {PEOPLE_TO_PICK}" in html
    assert 'type="search"' in html and 'name="q"' in html


def test_a_search_by_name_or_address_narrows_the_list(coordinator, space):
    wanted = PersonFactory(user__first_name="Hauke", user__last_name="Qbrodersen")
    by_mail = PersonFactory(user__email="k.qbrodersen-lund@example.org")
    PersonFactory.create_batch(60)
    url = reverse("spaces:member_add", kwargs={"slug": space.slug})
    html = client_for(coordinator).get(url, {"q": "qbroders"}).content.decode()
    assert sorted(_options(html)) == sorted([str(wanted.pk), str(by_mail.pk)])
    assert "2 Personen passen zu „qbroders“." in html
    assert "Hauke Qbrodersen (" in html  # with whom the person works for
    html = client_for(coordinator).get(url, {"q": "hauke qbroders"}).content.decode()
    assert _options(html) == [str(wanted.pk)]
    none = client_for(coordinator).get(url, {"q": "Niemand Gibtsnicht"}).content.decode()
    assert _options(none) == []
    assert "Keine Person passt zu „Niemand Gibtsnicht“." in none
    assert reverse("access:invitation_space_create", kwargs={"slug": space.slug}) in none


def test_a_form_sent_back_keeps_the_search_and_the_chosen_person(coordinator, space):
    chosen = PersonFactory(user__last_name="Qxcarstensen", authority=None)
    PersonFactory.create_batch(60)
    response = _add(
        client_for(coordinator), space, person=chosen.pk, person_query="qxcarst", role="guest"
    )
    assert response.status_code == 400  # a guest needs an end date
    html = response.content.decode()
    assert _options(html) == [str(chosen.pk)]
    assert f'<option value="{chosen.pk}" selected>' in html
    assert 'name="person_query" value="qxcarst"' in html
    assert not Membership.objects.filter(person=chosen).exists()


def test_any_active_person_can_be_added_even_if_the_list_did_not_show_them(coordinator, space):
    PersonFactory.create_batch(60, user__last_name="Aalders")
    last = PersonFactory(user__last_name="Zylka")
    response = _add(client_for(coordinator), space, person=last.pk, person_query="aalders")
    assert response.status_code == 302
    assert Membership.objects.filter(person=last, space=space).exists()
    gone = PersonFactory(user__is_active=False)
    response = _add(client_for(coordinator), space, person=gone.pk)
    assert response.status_code == 400
    assert "Bitte wählen Sie eine Person aus der Liste." in response.content.decode()
