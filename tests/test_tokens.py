"""Personal API tokens (tokens app, docs/api-tokens.md): made after confirming the second factor
again, shown once, stored only as a keyed hash, scope and expiry fixed, revoked by the owner or
ITD, and dead within one request when the owner's access ends."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Any, cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts import services as contacts
from core.audiences import Actor
from core.models import SecurityEvent
from spaces import services as spaces
from spaces.models import Membership, Space
from tokens import selectors, services
from tokens.models import ApiToken, TokenFieldsFixed
from tokens.services import TokenRefused, token_authenticate

from .conftest import client_for, totp_code
from .factories import PASSWORD, UserFactory


def _make(
    user: Actor, *, days=30, can_write=False, spaces_=(), name="Skript"
) -> tuple[ApiToken, str]:
    return services.token_create(
        actor=user,
        name=name,
        can_write=can_write,
        spaces=list(spaces_),
        expires_on=timezone.localdate() + dt.timedelta(days=days),
    )


def _refused(raw: str) -> str:
    with pytest.raises(TokenRefused) as caught:
        token_authenticate(raw)
    return caught.value.code


def _events(user: Actor, action: str) -> list[SecurityEvent]:
    return list(
        SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.API_TOKEN, user=user, detail__action=action
        )
    )


# --- Format, hash and peppers -----------------------------------------------------------------


def test_the_token_is_prefixed_and_only_its_keyed_hash_is_stored(member, settings):
    token, plain = _make(member)
    match = re.fullmatch(r"hdr_([0-9a-f]{12})_([A-Za-z0-9]{40})", plain)
    assert match is not None, plain
    key_id, secret = match.groups()
    assert token.key_id == key_id
    assert token.shown_prefix == f"hdr_{key_id}…"
    # The whole row as the database holds it: neither the secret nor the token appears.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM tokens_apitoken WHERE id = %s", [token.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in row and plain not in row
    # The digest is keyed, not a plain hash of the secret.
    assert token.digest != hashlib.sha256(secret.encode()).hexdigest()
    assert token_authenticate(plain) == token
    # Nothing in the security log carries the secret either.
    for event in SecurityEvent.objects.all():
        assert secret not in str(event.detail)


def test_the_digest_is_the_hmac_of_the_secret_under_the_first_pepper(member, settings):
    settings.API_TOKEN_PEPPERS = ["erster-pepper", "alter-pepper"]
    token, plain = _make(member)
    key_id, secret = plain.removeprefix("hdr_").split("_", 1)
    assert (
        token.digest
        == hmac.new(b"erster-pepper", f"{key_id}:{secret}".encode(), hashlib.sha256).hexdigest()
    )
    assert token.pepper_id == services.pepper_id("erster-pepper")


def test_pepper_rotation_keeps_old_tokens_until_the_old_pepper_is_dropped(member, settings):
    settings.API_TOKEN_PEPPERS = ["alter-pepper"]
    old, old_plain = _make(member, name="alt")
    # A new pepper first, the old one after it: new tokens use the new one, old ones still work.
    settings.API_TOKEN_PEPPERS = ["neuer-pepper", "alter-pepper"]
    new, new_plain = _make(member, name="neu")
    assert new.pepper_id == services.pepper_id("neuer-pepper") != old.pepper_id
    assert token_authenticate(old_plain) == old
    assert token_authenticate(new_plain) == new
    # The old pepper dropped: its tokens stop working, the new ones do not.
    settings.API_TOKEN_PEPPERS = ["neuer-pepper"]
    assert _refused(old_plain) == "unknown"
    assert token_authenticate(new_plain) == new


@pytest.mark.parametrize(
    "raw",
    ["", "Bearer x", "hdr_", "hdr_0123456789ab", "ghp_0123456789ab_" + "a" * 40, None, 42],
)
def test_what_is_not_a_token_is_refused_as_malformed(db, raw):
    assert _refused(raw) == "malformed"


def test_a_wrong_secret_for_a_known_prefix_is_unknown_and_logged(member):
    token, plain = _make(member)
    wrong = plain[:-1] + ("A" if plain[-1] != "A" else "B")
    assert _refused(wrong) == "unknown"
    refused = _events(member, "refused")
    assert [e.detail["reason"] for e in refused] == ["wrong_secret"]
    assert _refused(f"hdr_{'f' * 12}_{'a' * 40}") == "unknown"


# --- Creating --------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, 366, 1000])
def test_an_expiry_in_the_past_today_or_beyond_365_days_is_refused(member, days):
    with pytest.raises(ValidationError) as caught:
        _make(member, days=days)
    assert "expires_on" in caught.value.message_dict
    assert not ApiToken.objects.exists()


def test_365_days_is_the_longest_expiry(member):
    token, _plain = _make(member, days=365)
    last_day = timezone.localdate() + dt.timedelta(days=365)
    assert timezone.localtime(token.expires_at).date() == last_day + dt.timedelta(days=1)


def test_a_token_is_limited_only_to_spaces_the_owner_belongs_to(member, space, other_space):
    token, _plain = _make(member, spaces_=[space])
    assert selectors.token_space_ids(token) == frozenset({space.pk})
    with pytest.raises(ValidationError) as caught:
        _make(member, spaces_=[other_space])
    assert "Wissen" in " ".join(caught.value.message_dict["spaces"])
    unlimited, _plain = _make(member)
    assert selectors.token_space_ids(unlimited) is None


def test_itd_may_limit_a_token_to_any_space(itd, other_space):
    token, _plain = _make(itd, spaces_=[other_space])
    assert selectors.token_space_ids(token) == frozenset({other_space.pk})


def test_an_ended_guest_and_visitors_cannot_make_tokens(guest_ended):
    with pytest.raises(PermissionDenied):
        _make(guest_ended)
    with pytest.raises(PermissionDenied):
        services.token_create(
            actor=cast(Any, AnonymousUser()),
            name="Besuch",
            can_write=False,
            expires_on=timezone.localdate() + dt.timedelta(days=3),
        )


def test_creating_is_in_the_security_log(member, space):
    token, _plain = _make(member, can_write=True, spaces_=[space])
    (event,) = _events(member, "created")
    assert event.detail["token"] == token.shown_prefix
    assert event.detail["can_write"] is True
    assert event.detail["spaces"] == [space.slug]


# --- Fixed after creation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("can_write", True),
        ("expires_at", "later"),
        ("owner", "other"),
        ("digest", "0" * 64),
        ("limited_to_spaces", True),
    ],
)
def test_scope_expiry_owner_and_hash_cannot_be_changed_by_saving(member, itd, field, value):
    token, plain = _make(member)
    if value == "later":
        value = token.expires_at + dt.timedelta(days=400)
    elif value == "other":
        value = itd
    setattr(token, field, value)
    with pytest.raises(TokenFieldsFixed):
        token.save()
    token.refresh_from_db()
    assert token.owner == member and not token.can_write
    assert token_authenticate(plain) == token


@pytest.mark.parametrize("column", ["can_write", "expires_at", "owner_id", "digest"])
def test_the_database_refuses_a_change_of_the_fixed_columns(member, itd, column):
    """Also past the model (an UPDATE from the admin's bulk actions, raw SQL)."""
    token, _plain = _make(member)
    value = {
        "can_write": True,
        "expires_at": token.expires_at + dt.timedelta(days=400),
        "owner_id": itd.pk,
        "digest": "0" * 64,
    }[column]
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(**{column: value})
    token.refresh_from_db()
    assert token.owner_id == member.pk and not token.can_write


def test_the_name_last_use_and_revocation_may_change(member):
    token, _plain = _make(member)
    token.name = "Umbenannt"
    token.save()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())


def test_the_spaces_of_a_token_cannot_be_changed(member, space, other_space):
    token, plain = _make(member, spaces_=[space])
    for change in (
        lambda: token.spaces.add(other_space),
        lambda: token.spaces.remove(space),
        lambda: token.spaces.clear(),
        lambda: token.spaces.set([other_space]),
    ):
        with pytest.raises(TokenFieldsFixed), transaction.atomic():
            change()
    assert selectors.token_space_ids(token) == frozenset({space.pk})


def test_the_admin_shows_a_token_read_only_and_never_its_hash(member, itd):
    token, _plain = _make(member)
    client = client_for(itd)
    url = reverse("admin:tokens_apitoken_change", args=[token.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert token.digest not in page.content.decode()
    response = client.post(url, {"can_write": "on", "name": "x", "owner": itd.pk})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.owner == member and not token.can_write and token.name == "Skript"


# --- Revoking --------------------------------------------------------------------------------


def test_the_owner_revokes_a_token_and_it_stops_at_once(member):
    token, plain = _make(member)
    client = client_for(member)
    url = reverse("tokens:revoke", args=[token.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("tokens:list")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == member
    assert _refused(plain) == "revoked"
    assert _events(member, "revoked")[0].detail["by"] == "self"
    assert [e.detail["reason"] for e in _events(member, "refused")] == ["revoked"]


def test_itd_sees_every_token_and_revokes_it(member, itd):
    token, plain = _make(member, name="Mitglieds-Skript")
    client = client_for(itd)
    page = client.get(reverse("tokens:all"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mitglieds-Skript" in body and member.email in body and token.shown_prefix in body
    assert token.digest not in body
    response = client.post(reverse("tokens:revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("tokens:all")
    token.refresh_from_db()
    assert token.revoked_by == itd
    assert _refused(plain) == "revoked"
    assert _events(member, "revoked")[0].detail["by"] == itd.email


def test_another_person_neither_sees_nor_revokes_a_token(member, officer, coordinator):
    token, plain = _make(member, name="Nur-fuer-mich")
    for other in (officer, coordinator):
        client = client_for(other)
        assert client.get(reverse("tokens:revoke", args=[token.pk])).status_code == 404
        assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 404
        assert "Nur-fuer-mich" not in client.get(reverse("tokens:list")).content.decode()
        assert client.get(reverse("tokens:all")).status_code == 403
        with pytest.raises(PermissionDenied):
            services.token_revoke(actor=other, token=token)
    assert token_authenticate(plain) == token


# --- What kills a token ----------------------------------------------------------------------


def test_an_expired_token_is_refused(member):
    token, plain = _make(member, days=1)
    ApiToken.objects.filter(pk=token.pk).delete()
    # Made two days ago for one day (the database keeps expiry after creation).
    created = timezone.now() - dt.timedelta(days=2)
    expired = ApiToken.objects.create(
        owner=member,
        name="alt",
        key_id=token.key_id,
        digest=token.digest,
        pepper_id=token.pepper_id,
        created_at=created,
        expires_at=created + dt.timedelta(days=1),
    )
    assert _refused(plain) == "expired"
    assert expired.status() == "expired"


def test_a_deactivated_owner_s_token_dies_at_once_and_is_revoked(member, itd):
    token, plain = _make(member)
    # Raw: no signal, no service; the check at each use alone refuses it.
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert _refused(plain) == "owner_inactive"
    type(member).objects.filter(pk=member.pk).update(is_active=True)
    assert token_authenticate(plain) == token
    # Deactivated by ITD (the admin's service): the token is also revoked for the record.
    member.is_active = False
    contacts.user_save(actor=itd, user=member)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _refused(plain) == "owner_inactive"
    assert _events(member, "revoked")[0].detail["reason"] == "account_disabled"


def test_a_deleted_owner_s_token_is_gone(db):
    owner = UserFactory(is_itd_staff=True)
    _token, plain = _make(owner)
    assert token_authenticate(plain).owner == owner
    owner.delete()
    assert not ApiToken.objects.exists()
    assert _refused(plain) == "unknown"


def test_an_anonymised_owner_s_tokens_are_deleted(member):
    _token, plain = _make(member)
    contacts.user_anonymise(actor=member, user=member, reason="request")
    assert not ApiToken.objects.filter(owner=member).exists()
    assert _refused(plain) == "unknown"


def test_a_guest_s_token_dies_with_the_guest_s_access_within_one_request(guest, itd, other_space):
    token, plain = _make(guest, spaces_=[other_space])
    assert token_authenticate(plain) == token
    membership = Membership.objects.get(person__user=guest, space=other_space)
    spaces.membership_end(actor=itd, membership=membership)
    # The very next use: no job has run, the account is still active.
    guest.refresh_from_db()
    assert guest.is_active
    assert _refused(plain) == "access_ended"
    assert [e.detail["reason"] for e in _events(guest, "refused")] == ["access_ended"]


def test_an_ended_guest_s_token_is_refused(guest_ended, settings):
    pepper = settings.API_TOKEN_PEPPERS[0]
    token = ApiToken.objects.create(
        owner=guest_ended,
        name="vorher",
        key_id="0123456789ab",
        digest=services._digest(pepper, "0123456789ab", "x" * 40),
        pepper_id=services.pepper_id(pepper),
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    assert token.status() == "active"
    assert _refused("hdr_0123456789ab_" + "x" * 40) == "access_ended"


def test_a_staff_member_who_leaves_a_space_keeps_the_token_limited_to_it(
    member, coordinator, space
):
    """Staff accounts keep their access without memberships; the token keeps working, still
    limited to the space it was made for (the API reads the owner's scope within it, which no
    longer shows the space's members-only content)."""
    token, plain = _make(member, spaces_=[space])
    spaces.membership_end(
        actor=coordinator, membership=Membership.objects.get(person__user=member, space=space)
    )
    assert token_authenticate(plain) == token
    assert selectors.token_space_ids(token) == frozenset({space.pk})


def test_a_token_whose_spaces_are_all_deleted_is_limited_to_nothing(itd):
    extra = Space.objects.create(slug="weg", name_de="Weg", position=99)
    token, _plain = _make(itd, spaces_=[extra])
    extra.delete()
    assert selectors.token_space_ids(token) == frozenset()


# --- Last use --------------------------------------------------------------------------------


def test_last_use_is_recorded_at_most_once_a_minute_and_the_first_use_logged(member, rf):
    token, plain = _make(member)
    request = rf.get("/api/v1/", REMOTE_ADDR="10.0.0.7")
    token_authenticate(plain, request=request)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.last_used_ip == "10.0.0.7"
    token_authenticate(plain, request=request)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    token_authenticate(plain, request=request)
    token.refresh_from_db()
    assert token.last_used_at > first
    # From another address: written and logged at once.
    token_authenticate(plain, request=rf.get("/", REMOTE_ADDR="10.0.0.8"))
    token.refresh_from_db()
    assert token.last_used_ip == "10.0.0.8"
    used = _events(member, "used")
    assert [e.detail["first"] for e in reversed(used)] == [True, False]
    assert used[-1].ip == "10.0.0.7"


# --- The pages -------------------------------------------------------------------------------


def _reauthenticated(user: Actor) -> Client:
    client = client_for(user)
    if user.is_itd_staff:
        response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code()})
    else:
        response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _form(**extra) -> dict:
    return {
        "name": "Auswertung",
        "access": "read",
        "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }


def test_without_recent_reauthentication_the_create_page_asks_for_it(member, itd):
    response = client_for(member).get(reverse("tokens:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert "next=%2Faccounts%2Ftokens%2Fnew%2F" in response["Location"]
    # With a second factor, the second factor is asked for.
    response = client_for(itd).post(reverse("tokens:create"), _form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not ApiToken.objects.exists()


def test_a_password_is_not_enough_for_who_has_a_second_factor(itd):
    client = client_for(itd)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("tokens:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_an_old_reauthentication_does_not_count(member, settings):
    client = _reauthenticated(member)
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1
    session["account_authentication_methods"] = records
    session.save()
    assert client.get(reverse("tokens:create")).status_code == 302


@pytest.mark.parametrize("role", ["member", "itd"])
def test_after_reauthentication_the_token_is_made_and_shown_once(
    role: str, request: pytest.FixtureRequest
):
    user = request.getfixturevalue(role)
    client = _reauthenticated(user)
    page = client.get(reverse("tokens:create"))
    assert page.status_code == 200
    assert 'name="expires_on"' in page.content.decode()
    response = client.post(reverse("tokens:create"), _form(access="write"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    plain = re.search(r"hdr_[0-9a-f]{12}_[A-Za-z0-9]{40}", body)
    assert plain is not None
    token = token_authenticate(plain.group(0))
    assert token.owner == user and token.can_write and token.name == "Auswertung"
    # Not kept anywhere to show again: not in the session, not on the list, not on reload.
    assert plain.group(0) not in str(dict(client.session.items()))
    listing = client.get(reverse("tokens:list"))
    assert token.shown_prefix in listing.content.decode()
    assert plain.group(0) not in listing.content.decode()
    assert "no-store" in listing["Cache-Control"]
    # Sending the form again makes a second token, never shows the first again.
    again = client.post(reverse("tokens:create"), _form(name="Zweites"))
    assert plain.group(0) not in again.content.decode()
    assert ApiToken.objects.filter(owner=user).count() == 2


def test_the_form_shows_its_errors_at_the_fields(member, other_space):
    client = _reauthenticated(member)
    response = client.post(
        reverse("tokens:create"),
        _form(
            name="",
            expires_on=(timezone.localdate() + dt.timedelta(days=400)).isoformat(),
            spaces=[other_space.pk],
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_name_error"' in body
    assert 'id="id_spaces_error"' in body
    assert "denen Sie angehören" in body
    assert not ApiToken.objects.exists()
    response = client.post(
        reverse("tokens:create"),
        _form(expires_on=(timezone.localdate() + dt.timedelta(days=400)).isoformat()),
    )
    assert response.status_code == 400
    assert 'id="id_expires_on_error"' in response.content.decode()
    assert "Ein Token gilt höchstens 365 Tage" in response.content.decode()


def test_the_account_pages_link_to_the_tokens(member):
    client = client_for(member)
    for url in (reverse("access:account_security"), reverse("tokens:list")):
        assert f'href="{reverse("tokens:list")}"' in client.get(url).content.decode(), url


def test_my_data_exports_the_tokens_without_their_hash(member):
    token, plain = _make(member, name="Export-Skript")
    data = client_for(member).get(reverse("contacts:my_data_export")).json()
    (row,) = data["api_keys"]
    assert row["name"] == "Export-Skript" and row["prefix"] == token.shown_prefix
    text = str(data)
    assert token.digest not in text and plain not in text
    assert "Export-Skript" in client_for(member).get(reverse("contacts:my_data")).content.decode()
