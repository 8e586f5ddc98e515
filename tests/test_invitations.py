"""Invitations: invite by e-mail, accept once with a secret link, manage, and every bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from access import services
from access.models import Invitation
from contacts.models import Organisation, User
from core.models import SecurityEvent
from spaces.models import Membership

from .conftest import client_for
from .factories import (
    PASSWORD,
    ExternalPersonFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    audit_of,
    make_invitation,
)
from .pages import table_rows

GOOD_PASSWORD = "Hafenkran-Elbphilharmonie-42"
LINK = re.compile(r"https?://[^\s]+/invitations/([A-Za-z0-9_\-]+)/")


def _today() -> dt.date:
    return timezone.localdate()


def _invite(client, space, **data):
    values = {
        "email": "neu.gast@partner.example.org",
        "first_name": "Gesa",
        "last_name": "Gast",
        "role": "guest",
        "until": (_today() + dt.timedelta(days=60)).isoformat(),
        "message": "Willkommen im Raum!",
    }
    values.update(data)
    return client.post(reverse("access:invitation_space_create", args=[space.slug]), values)


def _token_from_mail(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def _accept_new(client, token, **data):
    values = {
        "first_name": "Gesa",
        "last_name": "Gast",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "accept_terms": "on",
        "accept_privacy": "on",
    }
    values.update(data)
    return client.post(reverse("access:invitation_accept", args=[token]), values)


# --- Inviting ------------------------------------------------------------------------------


def test_coordinator_invites_a_guest_and_the_email_carries_a_single_use_link(
    coordinator, space, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, space)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "neu.gast@partner.example.org"
    assert invitation.role == Membership.Role.GUEST
    assert invitation.invited_by == coordinator
    assert invitation.status == Invitation.Status.PENDING
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["neu.gast@partner.example.org"]
    assert "Willkommen im Raum!" in message.body
    token = _token_from_mail(message)
    # Only the hash of the token is stored, never the token itself.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    # The link is valid for 14 days.
    lifetime = invitation.expires_at - invitation.created_at
    assert dt.timedelta(days=13, hours=23) < lifetime <= dt.timedelta(days=14)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.INVITATION, user=coordinator, detail__action="created"
    ).exists()
    assert audit_of(invitation).filter(actor=coordinator).exists()


def test_the_invitation_form_proposes_ninety_days(coordinator, space):
    response = client_for(coordinator).get(
        reverse("access:invitation_space_create", args=[space.slug])
    )
    expected = (_today() + dt.timedelta(days=90)).isoformat()
    assert f'value="{expected}"' in response.content.decode()


def test_no_email_is_sent_when_the_invitation_is_not_saved(coordinator, space):
    _invite(client_for(coordinator), space, until="2000-01-01")
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (-1, "nicht in der Vergangenheit"),
        (366, "höchstens 365 Tage"),
    ],
)
def test_end_date_in_the_past_or_beyond_a_year_is_refused(coordinator, space, until, message):
    response = _invite(
        client_for(coordinator), space, until=(_today() + dt.timedelta(days=until)).isoformat()
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_service_refuses_a_bad_end_date_even_without_the_form(coordinator, space):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.invitation_create(
            actor=coordinator,
            space=space,
            email="x@example.org",
            role="guest",
            until=_today() + dt.timedelta(days=400),
        )
    assert not Invitation.objects.exists()


def test_a_year_from_today_is_the_longest_access(coordinator, space):
    response = _invite(
        client_for(coordinator), space, until=(_today() + dt.timedelta(days=365)).isoformat()
    )
    assert response.status_code == 302


def test_coordinator_may_invite_guests_only(coordinator, space):
    response = _invite(client_for(coordinator), space, role="member")
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_coordinator_cannot_invite_into_another_space(coordinator, other_space):
    response = _invite(client_for(coordinator), other_space)
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_itd_invites_a_member_of_an_authority(itd, space, authority):
    response = _invite(client_for(itd), space, role="member", authority=authority.pk)
    assert response.status_code == 302
    assert Invitation.objects.get().role == Membership.Role.MEMBER


def test_a_member_invitation_needs_an_authority(itd, space):
    response = _invite(client_for(itd), space, role="coordinator")
    assert response.status_code == 400
    assert "vertreten eine Behörde" in response.content.decode()


def test_address_with_an_active_membership_is_refused(coordinator, member, space):
    response = _invite(client_for(coordinator), space, email=member.email.upper())
    assert response.status_code == 400
    assert "bereits einen aktiven Zugang" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_second_open_invitation_to_the_same_address_is_refused(coordinator, space):
    client = client_for(coordinator)
    assert _invite(client, space).status_code == 302
    response = _invite(client, space)
    assert response.status_code == 400
    assert "offene Einladung" in response.content.decode()
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"email": "kein-at-zeichen"},
        {"message": "x" * 2001},
        {"until": "31.02.2026"},
        {"first_name": "x" * 500},
        {"organisation": "999999"},
        {"role": "kaiser"},
    ],
)
def test_malformed_or_oversized_form_gets_messages_not_a_500(coordinator, space, data):
    response = _invite(client_for(coordinator), space, **data)
    assert response.status_code == 400
    assert "Bitte prüfen Sie Ihre Eingaben." in response.content.decode()
    assert not Invitation.objects.exists()


# --- Accepting -----------------------------------------------------------------------------


def test_a_new_guest_accepts_sets_a_password_and_lands_in_the_space(
    coordinator, other_space, space
):
    organisation = OrganisationFactory()
    invitation, token = make_invitation(
        space=space, invited_by=coordinator, organisation=organisation
    )
    client = client_for(None)
    page = client.get(reverse("access:invitation_accept", args=[token]))
    assert page.status_code == 200
    assert "Passwort" in page.content.decode()
    response = _accept_new(client, token)
    assert response.status_code == 302
    assert response["Location"] == space.get_absolute_url()
    user = User.objects.get(email=invitation.email)
    assert user.check_password(GOOD_PASSWORD)
    assert user.get_full_name() == "Gesa Gast"
    assert user.person.organisation == organisation
    assert user.person.authority is None
    assert user.person.terms_accepted_at is not None
    assert user.person.privacy_accepted_at is not None
    assert EmailAddress.objects.get(user=user).verified
    membership = Membership.objects.get(person__user=user)
    assert membership.space == space
    assert membership.role == Membership.Role.GUEST
    assert membership.until == invitation.until
    assert membership.invited_by == coordinator
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.membership == membership
    assert invitation.accepted_by == user
    # Signed in, in the space, and nowhere else.
    detail = client.get(space.get_absolute_url())
    assert "Ihre Rolle" in detail.content.decode()
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "Ihre Rolle" not in client.get(other_space.get_absolute_url()).content.decode()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.INVITATION, user=user, detail__action="accepted"
    ).exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kurz", "zu kurz"),
        ("password12345", "zu üblich"),
        ("gesa.gast.partner", "zu ähnlich"),
    ],
)
def test_password_rules_apply_when_accepting(coordinator, space, password, message):
    _, token = make_invitation(
        space=space, invited_by=coordinator, email="gesa.gast@partner.example.org"
    )
    response = _accept_new(client_for(None), token, password1=password, password2=password)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="gesa.gast@partner.example.org").exists()


def test_terms_and_privacy_must_be_accepted(coordinator, space):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    response = _accept_new(client_for(None), token, accept_terms="", accept_privacy="")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nutzungsbedingungen" in body and "Datenschutzerklärung" in body
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


@pytest.mark.parametrize(
    "data",
    [{"first_name": "x" * 151}, {"last_name": ""}, {"password1": "x" * 5000}, {"accept_terms": ""}],
)
def test_malformed_or_oversized_accept_form_gets_messages_not_a_500(coordinator, space, data):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    response = _accept_new(client_for(None), token, **data)
    assert response.status_code == 400
    assert "Bitte prüfen Sie Ihre Eingaben." in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_mismatched_passwords_are_refused(coordinator, space):
    _, token = make_invitation(space=space, invited_by=coordinator)
    response = _accept_new(client_for(None), token, password2=GOOD_PASSWORD + "x")
    assert response.status_code == 400
    assert "stimmen nicht überein" in response.content.decode()


def test_a_used_link_answers_410_and_creates_nothing_twice(coordinator, space):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    assert _accept_new(client_for(None), token).status_code == 302
    again = _accept_new(client_for(None), token)
    assert again.status_code == 410
    assert "bereits angenommen" in again.content.decode()
    assert User.objects.filter(email=invitation.email).count() == 1
    assert Membership.objects.filter(person__user__email=invitation.email).count() == 1


def test_accepting_twice_in_the_service_does_nothing_twice(coordinator, space):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    services.invitation_accept(token=token, user=None, password=GOOD_PASSWORD)
    with pytest.raises(services.InvitationUnavailable) as exc:
        services.invitation_accept(token=token, user=None, password=GOOD_PASSWORD)
    assert exc.value.status == Invitation.Status.ACCEPTED
    assert Membership.objects.filter(person__user__email=invitation.email).count() == 1


def test_an_expired_link_answers_410(coordinator, space):
    invitation, token = make_invitation(
        space=space, invited_by=coordinator, expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client_for(None).get(reverse("access:invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "abgelaufen" in response.content.decode()
    assert _accept_new(client_for(None), token).status_code == 410
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_revoked_link_answers_410(coordinator, space):
    invitation, token = make_invitation(
        space=space, invited_by=coordinator, ended_at=timezone.now()
    )
    response = _accept_new(client_for(None), token)
    assert response.status_code == 410
    assert "zurückgezogen" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


@pytest.mark.parametrize("tamper", ["x", "A" * 43, "x" * 300, "abc..def"])
def test_a_tampered_or_unknown_link_answers_404(coordinator, space, tamper):
    _, token = make_invitation(space=space, invited_by=coordinator)
    for candidate in (token[:-1] + ("A" if token[-1] != "A" else "B"), tamper):
        response = client_for(None).get(f"/invitations/{candidate}/")
        assert response.status_code == 404
        assert "Einladung nicht gefunden" in response.content.decode()


def test_a_link_with_a_nul_byte_answers_400_before_any_lookup(db):
    response = client_for(None).get("/invitations/abc%00def/")
    assert response.status_code == 400
    assert "Steuerzeichen" in response.content.decode()


def test_a_link_opened_by_a_different_signed_in_account_answers_403(coordinator, space, member):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    client = client_for(member)
    assert client.get(reverse("access:invitation_accept", args=[token])).status_code == 403
    response = client.post(
        reverse("access:invitation_accept", args=[token]),
        {"accept_terms": "on", "accept_privacy": "on"},
    )
    assert response.status_code == 403
    assert "anderes Konto" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert (
        not Membership.objects.filter(space=space, person__user=member)
        .exclude(role=Membership.Role.MEMBER)
        .exists()
    )


def test_an_existing_account_confirms_with_its_password_and_is_linked(
    coordinator, other_space, guest
):
    from spaces.models import Space

    third = Space.objects.exclude(pk__in=[other_space.pk]).exclude(slug="mobilitaet-energie")[0]
    itd_person = PersonFactory(user__is_itd_staff=True)
    invitation, token = make_invitation(space=third, invited_by=itd_person.user, email=guest.email)
    client = client_for(None)
    page = client.get(reverse("access:invitation_accept", args=[token]))
    assert "aktuelles Passwort" in page.content.decode()
    wrong = client.post(
        reverse("access:invitation_accept", args=[token]),
        {"password": "falsch-falsch-falsch", "accept_terms": "on", "accept_privacy": "on"},
    )
    assert wrong.status_code == 400
    assert "nicht richtig" in wrong.content.decode()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_FAILED, user_label=guest.email
    ).exists()
    right = client.post(
        reverse("access:invitation_accept", args=[token]),
        {"password": PASSWORD, "accept_terms": "on", "accept_privacy": "on"},
    )
    assert right.status_code == 302
    assert User.objects.filter(email=guest.email).count() == 1
    assert Membership.objects.active().filter(person__user=guest, space=third).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == guest


def test_the_signed_in_invitee_only_confirms_the_terms(coordinator, space, guest):
    invitation, token = make_invitation(space=space, invited_by=coordinator, email=guest.email)
    client = client_for(guest)
    response = client.post(
        reverse("access:invitation_accept", args=[token]),
        {"accept_terms": "on", "accept_privacy": "on"},
    )
    assert response.status_code == 302
    assert Membership.objects.active().filter(person__user=guest, space=space).exists()


def test_a_disabled_account_cannot_accept(coordinator, space):
    person = ExternalPersonFactory(user__is_active=False)
    _, token = make_invitation(space=space, invited_by=coordinator, email=person.user.email)
    response = client_for(None).post(
        reverse("access:invitation_accept", args=[token]),
        {"password": PASSWORD, "accept_terms": "on", "accept_privacy": "on"},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(person=person).exists()


def test_accepting_when_already_a_member_gets_a_message(coordinator, space):
    person = ExternalPersonFactory()
    person.user.set_unusable_password()
    person.user.save()
    invitation, token = make_invitation(
        space=space, invited_by=coordinator, email=person.user.email
    )
    MembershipFactory(person=person, space=space, role=Membership.Role.GUEST)
    response = _accept_new(client_for(None), token)
    assert response.status_code == 400
    assert "bereits Mitglied" in response.content.decode()
    assert Membership.objects.filter(person=person).count() == 1
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_accepting_is_rate_limited_with_a_429_page(coordinator, space, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "invitation_accept": "3/m/ip"}
    client = client_for(None)
    statuses = [client.get(f"/invitations/geraten-{i}/").status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]
    response = client.get(f"/invitations/geraten-{9}/")
    assert response.status_code == 429
    assert "Zu viele Versuche" in response.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RATE_LIMITED).exists()


def test_accepting_is_rate_limited_by_default_per_link(coordinator, space):
    from django.conf import settings

    assert settings.ACCOUNT_RATE_LIMITS["invitation_accept"] == "20/m/ip,10/m/key"
    _, token = make_invitation(space=space, invited_by=coordinator)
    client = client_for(None)
    statuses = [
        client.get(reverse("access:invitation_accept", args=[token])).status_code for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]


# --- Managing ------------------------------------------------------------------------------


def test_resend_sends_a_new_link_and_the_old_one_is_dead(
    coordinator, space, django_capture_on_commit_callbacks
):
    invitation, old = make_invitation(space=space, invited_by=coordinator)
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("access:invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302
    new = _token_from_mail(mail.outbox[-1])
    assert new != old
    assert client_for(None).get(reverse("access:invitation_accept", args=[old])).status_code == 404
    assert client_for(None).get(reverse("access:invitation_accept", args=[new])).status_code == 200
    assert SecurityEvent.objects.filter(detail__action="resent").exists()


def test_an_email_queued_for_a_replaced_link_is_not_sent(coordinator, space):
    from notifications.models import MailStatus, Notification
    from notifications.services import deliver

    invitation = services.invitation_create(
        actor=coordinator,
        space=space,
        email="neu.eingeladen@uni.example.org",
        role="guest",
        until=_today() + dt.timedelta(days=30),
    )
    first = Notification.objects.get(subject_ref=f"invitation:{invitation.pk}")
    services.invitation_resend(actor=coordinator, invitation=invitation)
    first.refresh_from_db()
    assert first.mail_status == MailStatus.CANCELLED
    assert deliver(first.pk) == "skipped"
    assert mail.outbox == []
    current = Notification.objects.get(
        subject_ref=f"invitation:{invitation.pk}", mail_status=MailStatus.PENDING
    )
    assert deliver(current.pk) == "sent"
    assert len(mail.outbox) == 1


def test_an_expired_invitation_can_be_resent(coordinator, space):
    invitation, _ = make_invitation(
        space=space, invited_by=coordinator, expires_at=timezone.now() - dt.timedelta(days=1)
    )
    services.invitation_resend(actor=coordinator, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_revoke_kills_the_link_and_is_logged(coordinator, space):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    client = client_for(coordinator)
    assert client.get(reverse("access:invitation_revoke", args=[invitation.pk])).status_code == 200
    response = client.post(reverse("access:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert invitation.revoked_by == coordinator
    assert (
        client_for(None).get(reverse("access:invitation_accept", args=[token])).status_code == 410
    )
    assert SecurityEvent.objects.filter(detail__action="revoked").exists()


def test_an_accepted_invitation_cannot_be_revoked_or_resent(coordinator, space):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    services.invitation_accept(token=token, user=None, password=GOOD_PASSWORD)
    client = client_for(coordinator)
    for name in ("access:invitation_revoke", "access:invitation_resend"):
        response = client.post(reverse(name, args=[invitation.pk]))
        assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


def test_extend_moves_the_end_of_an_accepted_access(coordinator, space):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    services.invitation_accept(token=token, user=None, password=GOOD_PASSWORD)
    new_end = _today() + dt.timedelta(days=200)
    response = client_for(coordinator).post(
        reverse("access:invitation_extend", args=[invitation.pk]), {"until": new_end.isoformat()}
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.until == new_end
    assert invitation.membership.until == new_end
    assert SecurityEvent.objects.filter(detail__action="extended").exists()


@pytest.mark.parametrize("days", [-3, 366])
def test_extend_beyond_a_year_or_into_the_past_is_refused(coordinator, space, days):
    invitation, _ = make_invitation(space=space, invited_by=coordinator)
    before = invitation.until
    response = client_for(coordinator).post(
        reverse("access:invitation_extend", args=[invitation.pk]),
        {"until": (_today() + dt.timedelta(days=days)).isoformat()},
    )
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.until == before


def test_end_access_early_ends_the_membership_and_the_guests_sessions(coordinator, space):
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    guest_client = client_for(None)
    assert _accept_new(guest_client, token).status_code == 302
    user = User.objects.get(email=invitation.email)
    assert UserSession.objects.filter(user=user).exists()
    response = client_for(coordinator).post(
        reverse("access:invitation_end_access", args=[invitation.pk])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.membership.ended_at is not None
    assert not UserSession.objects.filter(user=user).exists()
    # The guest's browser now answers as to an anonymous visitor.
    assert guest_client.get(reverse("dashboard")).status_code == 302
    assert SecurityEvent.objects.filter(detail__action="access_ended").exists()


def test_coordinator_cannot_manage_an_itd_member_invitation(coordinator, itd, space):
    invitation, _ = make_invitation(space=space, invited_by=itd, role="member")
    response = client_for(coordinator).post(
        reverse("access:invitation_revoke", args=[invitation.pk])
    )
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.ended_at is None


def test_coordinator_does_not_see_invitations_of_another_space(coordinator, itd, other_space):
    invitation, _ = make_invitation(space=other_space, invited_by=itd)
    client = client_for(coordinator)
    assert client.post(reverse("access:invitation_revoke", args=[invitation.pk])).status_code == 404
    assert client.get(reverse("access:invitation_list")).status_code == 403


def test_lists_show_pending_accepted_expired_and_revoked(itd, coordinator, space):
    # Addresses that contain no status label: only the status cell of each row can show it.
    status = {
        "erste@partner.example.org": "offen",
        "zweite@partner.example.org": "angenommen",
        "dritte@partner.example.org": "abgelaufen",
        "vierte@partner.example.org": "widerrufen",
    }
    labels = {str(label) for label in Invitation.Status.labels}
    assert set(status.values()) == labels
    assert not [(e, label) for e in status for label in labels if label in e]
    emails = list(status)
    make_invitation(space=space, invited_by=coordinator, email=emails[0])
    _accepted, token = make_invitation(space=space, invited_by=coordinator, email=emails[1])
    services.invitation_accept(token=token, user=None, password=GOOD_PASSWORD)
    make_invitation(
        space=space,
        invited_by=coordinator,
        email=emails[2],
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    make_invitation(space=space, invited_by=coordinator, email=emails[3], ended_at=timezone.now())

    def statuses(response) -> dict[str, str]:
        """{e-mail address: text of the status cell} of each row of the list."""
        assert response.status_code == 200
        return {row["Eingeladen"]: row["Status"] for row in table_rows(response.content.decode())}

    space_list = reverse("access:invitation_space_list", args=[space.slug])
    assert statuses(client_for(coordinator).get(space_list)) == status
    everything = reverse("access:invitation_list")
    assert statuses(client_for(itd).get(everything)) == status
    for value, label in Invitation.Status.choices:
        only = statuses(client_for(itd).get(f"{everything}?status={value}"))
        assert only == {e: s for e, s in status.items() if s == label}, value
    # Unknown filter values are ignored (all rows), not a 500.
    assert statuses(client_for(itd).get(f"{everything}?status=xx")) == status


def test_the_space_page_links_to_the_invitations_for_its_managers(coordinator, member, space):
    url = reverse("access:invitation_space_list", args=[space.slug])
    assert url in client_for(coordinator).get(space.get_absolute_url()).content.decode()
    assert url not in client_for(member).get(space.get_absolute_url()).content.decode()


def test_invitation_list_query_count_does_not_grow(itd, coordinator, space):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(itd)
    url = reverse("access:invitation_list")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_invitation(space=space, invited_by=coordinator)
    count()  # warm the session
    few = count()
    for _ in range(30):
        make_invitation(
            space=space, invited_by=coordinator, organisation=Organisation.objects.first()
        )
    assert count() == few


# --- Single projects (ITD only) ------------------------------------------------------------


@pytest.fixture
def restricted_project(space, authority):
    from .factories import ProjectFactory

    return ProjectFactory(
        slug="eingeladen-projekt",
        primary_space=space,
        lead_authority=authority,
        visibility="restricted",
    )


def test_itd_invites_a_guest_into_a_single_project(
    itd, restricted_project, space, django_capture_on_commit_callbacks
):
    from projects.models import ProjectGuest

    from .factories import ProjectFactory

    other_project = ProjectFactory(slug="anderes-projekt", visibility="restricted")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(itd).post(
            reverse("access:invitation_project_create", args=[restricted_project.slug]),
            {
                "email": "projekt.gast@partner.example.org",
                "role": "guest",
                "until": (_today() + dt.timedelta(days=30)).isoformat(),
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.project == restricted_project and invitation.space is None
    assert restricted_project.title in mail.outbox[0].subject
    token = _token_from_mail(mail.outbox[0])
    client = client_for(None)
    accepted = _accept_new(client, token)
    assert accepted.status_code == 302
    assert accepted["Location"] == restricted_project.get_absolute_url()
    guest = ProjectGuest.objects.get(project=restricted_project)
    assert guest.person.user.email == "projekt.gast@partner.example.org"
    assert guest.until == invitation.until
    invitation.refresh_from_db()
    assert invitation.project_guest == guest
    # The guest sees exactly that project, no space's members, and stays signed in.
    assert client.get(restricted_project.get_absolute_url()).status_code == 200
    assert client.get(other_project.get_absolute_url()).status_code == 404
    assert "Ihre Rolle" not in client.get(space.get_absolute_url()).content.decode()
    assert client.get(reverse("dashboard")).status_code == 200


def test_only_itd_invites_into_a_single_project(coordinator, restricted_project):
    response = client_for(coordinator).post(
        reverse("access:invitation_project_create", args=[restricted_project.slug]),
        {"email": "x@partner.example.org", "role": "guest", "until": _today().isoformat()},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            actor=coordinator,
            project=restricted_project,
            email="x@partner.example.org",
            role="guest",
            until=_today(),
        )


def test_project_access_is_extended_and_ended_early(itd, restricted_project):
    invitation, token = make_invitation(space=None, project=restricted_project, invited_by=itd)
    client = client_for(None)
    assert _accept_new(client, token).status_code == 302
    invitation.refresh_from_db()
    new_end = _today() + dt.timedelta(days=300)
    itd_client = client_for(itd)
    response = itd_client.post(
        reverse("access:invitation_extend", args=[invitation.pk]), {"until": new_end.isoformat()}
    )
    assert response.status_code == 302
    invitation.project_guest.refresh_from_db()
    assert invitation.project_guest.until == new_end
    response = itd_client.post(reverse("access:invitation_end_access", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.project_guest.refresh_from_db()
    assert invitation.project_guest.ended_at is not None
    # Without any access left the guest is signed out: the project is invisible again.
    assert client.get(restricted_project.get_absolute_url()).status_code == 404
    assert client.get(reverse("dashboard")).status_code == 302
    assert "_auth_user_id" not in client.session


# --- ITD: a guest into one project, found by a search (not a list of every project) -----------


def test_itd_finds_the_project_to_invite_a_guest_into_by_a_search(itd):
    from access.selectors import PROJECTS_TO_PICK

    wanted = ProjectFactory(title="Hafenlotsen Plattform", slug="hafenlotsen")
    ProjectFactory.create_batch(PROJECTS_TO_PICK + 5, title="Ladenetz Bezirk")
    url = reverse("access:invitation_list")
    client = client_for(itd)
    page = client.get(url).content.decode()
    assert 'name="project_q"' in page
    assert "Ladenetz Bezirk" not in page and "Hafenlotsen" not in page  # no list of everything
    found = client.get(url, {"project_q": "hafenlots"}).content.decode()
    create = reverse("access:invitation_project_create", kwargs={"slug": wanted.slug})
    assert f'href="{create}"' in found and "1 Projekt passt:" in found
    many = client.get(url, {"project_q": "ladenetz"}).content.decode()
    assert many.count("Gast einladen in „Ladenetz Bezirk“") == PROJECTS_TO_PICK
    assert (
        f"{PROJECTS_TO_PICK + 5} Projekte passen; hier stehen die ersten {PROJECTS_TO_PICK}" in many
    )
    none = client.get(url, {"project_q": "Gibtsnicht"}).content.decode()
    assert "Kein Projekt passt zu „Gibtsnicht“." in none
    # The old way in (a chosen short name) still leads to the invitation form.
    response = client.get(url, {"invite_project": wanted.slug})
    assert response.status_code == 302 and response["Location"] == create
