"""Logout everywhere (issue 19, point 4): what the portal keeps of a provider sign-in for it, the
provider's end-session address with `id_token_hint` (RP-initiated logout), and the checks of a
back-channel logout token (OpenID Connect Back-Channel Logout 1.0, section 2.6).

The raw ID token is kept in the portal session only (server-side, the cookie holds its key): it
is the hint the provider wants at logout, and it leaves with the session.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

# In the session: {"provider": "fhh", "id_token": "<raw JWT>", "sid": "...", "sub": "..."}.
SESSION_KEY = "portal.oidc"
# On the request of the provider's callback: the raw ID token of the token response.
RAW_ID_TOKEN = "portal_raw_id_token"  # noqa: S105 - the name of a request attribute
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")


class CapturingAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter that also keeps the raw ID token of the answer (allauth
    keeps only its decoded claims), for the `id_token_hint` of the logout."""

    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        # The discovery document must name the issuer the portal was configured with (a mix-up
        # of providers, or a document served by someone else, is refused before any claim).
        configured = str(app.settings.get("server_url", "")).split("/.well-known/")[0]
        announced = str(self.openid_config.get("issuer", ""))
        if configured.rstrip("/") != announced.rstrip("/"):
            raise OAuth2Error(f"issuer mismatch: {announced!r} is not {configured!r}")
        login = super().complete_login(request, app, token, **kwargs)
        response = kwargs.get("response") or {}
        setattr(request, RAW_ID_TOKEN, str(response.get("id_token") or ""))
        return login


def remember_sign_in(request: HttpRequest, provider: str, id_token: dict[str, Any]) -> None:
    raw = getattr(request, RAW_ID_TOKEN, "")
    request.session[SESSION_KEY] = {
        "provider": provider,
        "id_token": raw,
        "sid": str(id_token.get("sid") or ""),
        "sub": str(id_token.get("sub") or ""),
    }


def _adapter(request: HttpRequest, provider: str) -> OpenIDConnectOAuth2Adapter:
    return OpenIDConnectOAuth2Adapter(request, provider)


def end_session_url(request: HttpRequest) -> str | None:
    """Where to send the browser after the portal's logout so that the provider's session ends
    too; None for a password sign-in, or when the provider cannot say (it is down)."""
    remembered = request.session.get(SESSION_KEY)
    if not isinstance(remembered, dict) or not remembered.get("id_token"):
        return None
    provider = str(remembered.get("provider") or "")
    try:
        adapter = _adapter(request, provider)
        endpoint = adapter.openid_config.get("end_session_endpoint")
        client_id = adapter.get_provider().app.client_id
    except (requests.RequestException, SocialApp.DoesNotExist, ValueError):
        return None
    if not endpoint:
        return None
    query = {
        "id_token_hint": remembered["id_token"],
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("home")),
        "client_id": client_id,
    }
    return f"{endpoint}?{urlencode(query)}"


class LogoutTokenInvalid(Exception):
    """A back-channel logout token that must not be followed; `reason` for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_logout_token(request: HttpRequest, provider: str, token: str) -> dict[str, Any]:
    """The claims of a valid logout token, or LogoutTokenInvalid: signed by the provider's keys,
    for this client (`aud`), from its issuer, not expired, with the back-channel event, no
    `nonce`, a `sid` or `sub`, a `jti`, issued at most OIDC_LOGOUT_TOKEN_MAX_AGE seconds ago.
    (Whether the `jti` was seen before is the service's check, in the database.)"""
    if not token:
        raise LogoutTokenInvalid("missing")
    try:
        adapter = _adapter(request, provider)
        config = adapter.openid_config
        app = adapter.get_provider().app
    except SocialApp.DoesNotExist as unknown:
        raise LogoutTokenInvalid("unknown_provider") from unknown
    except requests.RequestException as down:
        raise LogoutTokenInvalid("provider_unreachable") from down
    claims = _decode(token, config, app.client_id)
    _check(claims)
    return claims


def _decode(token: str, config: dict[str, Any], client_id: str) -> dict[str, Any]:
    """Signature, issuer, audience and expiry, by PyJWT."""
    try:
        # The key named by the token's `kid` in the provider's JWKS (allauth's helper), and only
        # a signature of the provider's kind: never "none" or a shared-secret algorithm.
        algorithm, key = jwtkit.fetch_key(token, config["jwks_uri"], jwtkit.lookup_kid_jwk)
        if algorithm not in SIGNING_ALGORITHMS:
            raise LogoutTokenInvalid("signature_or_claims")
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            issuer=config["issuer"],
            audience=client_id,
            options={"require": ["iss", "aud", "iat"]},
        )
    except (OAuth2Error, jwt.PyJWTError, requests.RequestException, KeyError) as invalid:
        raise LogoutTokenInvalid("signature_or_claims") from invalid
    return claims


def _check(claims: dict[str, Any]) -> None:
    """What makes it a logout token, and a fresh one (section 2.4 and 2.6 of the spec)."""
    events = claims.get("events")
    problems = (
        ("no_logout_event", not isinstance(events, dict) or BACKCHANNEL_EVENT not in events),
        ("nonce", "nonce" in claims),
        ("no_sid_or_sub", not (claims.get("sid") or claims.get("sub"))),
        ("no_jti", not claims.get("jti")),
        ("no_iat", not isinstance(claims.get("iat"), int | float)),
    )
    for reason, found in problems:
        if found:
            raise LogoutTokenInvalid(reason)
    if time.time() - claims["iat"] > settings.OIDC_LOGOUT_TOKEN_MAX_AGE:
        raise LogoutTokenInvalid("too_old")
