"""Logout everywhere (issue 19, point 4), the portal's half: the back-channel logout token is
checked strictly (signature, issuer, audience, expiry, the event, no nonce, age, a `jti` taken
once) and ends exactly the portal sessions of that provider session; anything else is answered
400 and changes nothing. The provider's real tokens, and the RP-initiated logout, are in
tests/test_e2e_identity.py."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from allauth.socialaccount.internal import jwtkit
from allauth.usersessions.models import UserSession
from cryptography.hazmat.primitives.asymmetric import rsa

from core.models import SecurityEvent
from identity import logout
from identity.models import ProviderSession, SeenLogoutToken

from .conftest import client_for

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.example.org"
CLIENT_ID = "portal-test"
URL = "/accounts/oidc/fhh/backchannel-logout/"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class _App:
    client_id = CLIENT_ID


class _Provider:
    app = _App()


class _Adapter:
    openid_config = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"}

    def get_provider(self) -> _Provider:
        return _Provider()


@pytest.fixture(autouse=True)
def _provider(monkeypatch):
    """The provider's configuration and signing key, without a provider on the network."""
    monkeypatch.setattr(logout, "_adapter", lambda request, provider: _Adapter())
    monkeypatch.setattr(
        jwtkit, "fetch_key", lambda credential, url, lookup: ("RS256", KEY.public_key())
    )


def _token(key: Any = KEY, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "sub": "lea-koch",
        "sid": "provider-session-1",
        "events": {logout.BACKCHANNEL_EVENT: {}},
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1", "typ": "logout+jwt"})


@pytest.fixture
def signed_in(member, coordinator):
    """The member signed in twice through the provider (two browsers, one provider session
    each) and once with a password; the coordinator through the provider too."""
    clients = {}
    for name, user, sid in (
        ("first", member, "provider-session-1"),
        ("second", member, "provider-session-2"),
        ("password", member, None),
        ("other", coordinator, "provider-session-3"),
    ):
        client = client_for(user)
        if sid is not None:
            ProviderSession.objects.create(
                provider="fhh",
                sid=sid,
                sub="lea-koch" if user == member else "someone-else",
                user=user,
                session_key=client.session.session_key,
            )
        clients[name] = client
    return clients


def _alive(client) -> bool:
    return client.get("/dashboard/").status_code == 200


def test_a_valid_logout_token_ends_exactly_that_provider_sessions_portal_session(
    client, signed_in, member
):
    answer = client.post(URL, {"logout_token": _token()})
    assert answer.status_code == 200 and answer.json() == {"sessions_ended": 1}
    assert "no-store" in answer["Cache-Control"]
    assert not _alive(signed_in["first"])
    assert _alive(signed_in["second"]) and _alive(signed_in["password"])
    assert _alive(signed_in["other"])
    assert SecurityEvent.objects.filter(
        user=member, kind=SecurityEvent.Kind.SSO, detail__action="backchannel_logout"
    ).exists()


def test_a_token_naming_only_the_person_ends_all_their_provider_sessions(client, signed_in):
    answer = client.post(URL, {"logout_token": _token(sid=None)})
    assert answer.json() == {"sessions_ended": 2}
    assert not _alive(signed_in["first"]) and not _alive(signed_in["second"])
    assert _alive(signed_in["password"]) and _alive(signed_in["other"])


@pytest.mark.parametrize(
    ("reason", "token"),
    [
        ("signature_or_claims", lambda: _token(key=OTHER_KEY)),  # not the provider's key
        ("signature_or_claims", lambda: _token(iss="https://evil.example.org")),
        ("signature_or_claims", lambda: _token(aud="another-client")),
        ("signature_or_claims", lambda: _token(exp=int(time.time()) - 10)),
        ("no_logout_event", lambda: _token(events={"something-else": {}})),
        ("no_logout_event", lambda: _token(events=None)),
        ("nonce", lambda: _token(nonce="n-0S6_WzA2Mj")),  # an ID token, not a logout token
        ("no_sid_or_sub", lambda: _token(sid=None, sub=None)),
        ("no_jti", lambda: _token(jti=None)),
        ("too_old", lambda: _token(iat=int(time.time()) - 600)),
        ("signature_or_claims", lambda: "not-a-jwt"),
        ("missing", lambda: ""),
    ],
)
def test_a_bad_logout_token_is_refused_and_changes_nothing(client, signed_in, reason, token):
    answer = client.post(URL, {"logout_token": token()})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert all(_alive(c) for c in signed_in.values())
    assert not SeenLogoutToken.objects.exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_REFUSED, detail__reason=reason
    ).exists()


def test_a_replayed_logout_token_is_refused(client, signed_in):
    token = _token()
    assert client.post(URL, {"logout_token": token}).status_code == 200
    # The same token again (its jti seen): refused, even for sessions it did not end before.
    ProviderSession.objects.create(
        provider="fhh",
        sid="provider-session-1",
        sub="lea-koch",
        user=signed_in["second"].session and UserSession.objects.first().user,
        session_key="k" * 32,
    )
    again = client.post(URL, {"logout_token": token})
    assert again.status_code == 400
    assert SecurityEvent.objects.filter(detail__reason="replayed").exists()


def test_only_post_and_no_csrf_token_needed(signed_in):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(URL).status_code == 405
    assert strict.post(URL, {"logout_token": _token()}).status_code == 200


def test_a_provider_announcing_another_issuer_is_refused_before_any_claim(rf):
    from allauth.socialaccount.providers.oauth2.client import OAuth2Error

    class _Configured:
        settings = {"server_url": "https://idp.example.org"}
        client_id = CLIENT_ID

    adapter = logout.CapturingAdapter(rf.get("/"), "fhh")
    adapter._openid_config = {"issuer": "https://evil.example.org"}
    with pytest.raises(OAuth2Error, match="issuer mismatch"):
        adapter.complete_login(rf.get("/"), _Configured(), token=None, response={})
