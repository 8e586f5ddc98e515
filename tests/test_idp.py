"""The local identity provider (scripts/idp/server.mjs) speaks real OpenID Connect: discovery,
authorization code with PKCE through its own login form, the token endpoint with
client_secret_basic, ID tokens signed with the keys of its JWKS and carrying email, groups,
amr/acr and sid, RP-initiated logout and back-channel logout. Plain HTTP, no Django view.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import re
import secrets
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import jwt
import pytest
import requests

from .idp import IdentityProvider, client_metadata, run_identity_provider

CLIENT_ID = "portal-test"
CLIENT_SECRET = "test-only-client-secret"
PASSWORD = "Hamburg-SSO-2026!"
SCOPE = "openid email profile groups"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"

ANNA: dict[str, Any] = {
    "sub": "anna-schmidt",
    "email": "anna.schmidt@hamburg.de",
    "email_verified": True,
    "given_name": "Anna",
    "family_name": "Schmidt",
    "groups": ["fhh-itd"],
    "mfa": True,
    "password": PASSWORD,
}
TIM: dict[str, Any] = {
    "sub": "tim-wolf",
    "email": "tim.wolf@hamburg.de",
    "email_verified": True,
    "given_name": "Tim",
    "family_name": "Wolf",
    "groups": ["fhh-raum-mobilitaet-energie"],
    "mfa": False,
    "password": PASSWORD,
}
ACCOUNTS = [ANNA, TIM]


class _LogoutReceiver(http.server.BaseHTTPRequestHandler):
    """Stands in for the client: its back-channel logout URI and its other URIs (never called
    by the browser here: the redirects are followed by hand)."""

    received: list[dict[str, list[str]]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        self.server.received.append(parse_qs(body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LogoutReceiver)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def client_base(receiver: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{receiver.server_address[1]}"


@pytest.fixture(scope="module")
def idp(client_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityProvider]:
    client = client_metadata(CLIENT_ID, CLIENT_SECRET, client_base)
    with run_identity_provider(ACCOUNTS, [client], tmp_path_factory.mktemp("idp")) as provider:
        yield provider
        provider.write_accounts(ACCOUNTS)


@pytest.fixture(scope="module")
def discovery(idp: IdentityProvider) -> dict[str, Any]:
    response = requests.get(idp.discovery_url, timeout=10)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture
def fresh_accounts(idp: IdentityProvider) -> Iterator[None]:
    idp.write_accounts(ACCOUNTS)
    yield
    idp.write_accounts(ACCOUNTS)


# --- Helpers: a browser's part, by hand --------------------------------------------------------


def _form(page: str) -> tuple[str, dict[str, str]]:
    """The first form's action and its hidden inputs."""
    action = re.search(r'<form[^>]*\baction="([^"]*)"', page)
    assert action, page
    hidden = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page),
    )
    return html.unescape(action[1]), {k: html.unescape(v) for k, v in hidden.items()}


def _follow(browser: requests.Session, response: requests.Response, stop_at: str) -> str:
    """Follow redirects by hand until one leads to `stop_at` (the client, which is not there)."""
    for _ in range(10):
        assert response.status_code in (302, 303), (response.status_code, response.text[:500])
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(stop_at):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("too many redirects")


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize(
    browser: requests.Session, discovery: dict[str, Any], client_base: str, challenge: str
) -> tuple[requests.Response, str]:
    state = secrets.token_urlsafe(16)
    query = urlencode(
        {
            "client_id": CLIENT_ID,
            "redirect_uri": f"{client_base}/accounts/oidc/fhh/login/callback/",
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    response = browser.get(f"{discovery['authorization_endpoint']}?{query}", timeout=10)
    return response, state


def _sign_in(
    discovery: dict[str, Any],
    client_base: str,
    email: str,
    password: str = PASSWORD,
    browser: requests.Session | None = None,
) -> dict[str, Any]:
    """The whole flow: authorize, log in on the form, exchange the code. The token response."""
    browser = browser or requests.Session()
    verifier, challenge = _pkce()
    page, state = _authorize(browser, discovery, client_base, challenge)
    assert page.status_code == 200
    action, _ = _form(page.text)
    submitted = browser.post(
        urljoin(page.url, action),
        data={"login": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    callback = _follow(browser, submitted, f"{client_base}/accounts/oidc/fhh/login/callback/")
    answer = parse_qs(urlsplit(callback).query)
    assert answer["state"] == [state]
    tokens = requests.post(
        discovery["token_endpoint"],
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": answer["code"][0],
            "redirect_uri": f"{client_base}/accounts/oidc/fhh/login/callback/",
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert tokens.status_code == 200, tokens.text
    result: dict[str, Any] = tokens.json()
    result["browser"] = browser
    return result


def _verified(token: str, discovery: dict[str, Any], **options: Any) -> dict[str, Any]:
    keys = jwt.PyJWKSet.from_dict(requests.get(discovery["jwks_uri"], timeout=10).json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(key for key in keys.keys if key.key_id == kid)
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=discovery["issuer"],
        **options,
    )
    return claims


# --- The tests ---------------------------------------------------------------------------------


def test_discovery_names_what_the_portal_needs(idp, discovery):
    assert discovery["issuer"] == idp.issuer == f"http://127.0.0.1:{idp.port}"
    assert discovery["end_session_endpoint"].startswith(idp.issuer)
    assert discovery["backchannel_logout_supported"] is True
    assert discovery["backchannel_logout_session_supported"] is True
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert "client_secret_basic" in discovery["token_endpoint_auth_methods_supported"]
    assert {"openid", "email", "profile", "groups"} <= set(discovery["scopes_supported"])
    assert {"groups", "email", "email_verified", "amr", "acr", "sid"} <= set(
        discovery["claims_supported"]
    )
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]


def test_code_flow_with_pkce_gives_a_signed_id_token_with_the_claims(
    idp, discovery, client_base, fresh_accounts
):
    tokens = _sign_in(discovery, client_base, "anna.schmidt@hamburg.de")
    claims = _verified(tokens["id_token"], discovery)

    assert claims["sub"] == "anna-schmidt"
    assert claims["email"] == "anna.schmidt@hamburg.de"
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Anna"
    assert claims["family_name"] == "Schmidt"
    assert claims["name"] == "Anna Schmidt"
    assert claims["groups"] == ["fhh-itd"]
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["acr"] == "urn:fhh:mfa"
    assert claims["sid"]
    assert "auth_time" in claims
    # Its cookies have names of their own: the portal on another port of 127.0.0.1 sees them.
    assert "_idp_session" in tokens["browser"].cookies

    userinfo = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert userinfo["sub"] == "anna-schmidt"
    assert userinfo["groups"] == ["fhh-itd"]
    assert userinfo["email"] == "anna.schmidt@hamburg.de"


def test_a_person_without_mfa_signs_in_with_password_only(discovery, client_base):
    claims = _verified(
        _sign_in(discovery, client_base, "tim.wolf@hamburg.de")["id_token"], discovery
    )
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:fhh:pwd"


def test_pkce_is_required(discovery, client_base):
    query = urlencode(
        {
            "client_id": CLIENT_ID,
            "redirect_uri": f"{client_base}/accounts/oidc/fhh/login/callback/",
            "response_type": "code",
            "scope": SCOPE,
            "state": "s",
        }
    )
    response = requests.get(
        f"{discovery['authorization_endpoint']}?{query}", allow_redirects=False, timeout=10
    )
    location = parse_qs(urlsplit(response.headers["Location"]).query)
    assert location["error"] == ["invalid_request"]
    assert "PKCE" in location["error_description"][0]


def test_changed_groups_and_mfa_count_from_the_next_sign_in(
    idp, discovery, client_base, fresh_accounts
):
    first = _verified(
        _sign_in(discovery, client_base, "anna.schmidt@hamburg.de")["id_token"], discovery
    )
    assert first["groups"] == ["fhh-itd"]

    changed = {**ANNA, "groups": ["fhh-itd", "fhh-raum-mobilitaet-energie"], "mfa": False}
    idp.write_accounts([changed, TIM])

    second = _verified(
        _sign_in(discovery, client_base, "anna.schmidt@hamburg.de")["id_token"], discovery
    )
    assert second["groups"] == ["fhh-itd", "fhh-raum-mobilitaet-energie"]
    assert second["amr"] == ["pwd"]
    assert second["acr"] == "urn:fhh:pwd"


def test_a_wrong_password_is_answered_on_the_form(discovery, client_base):
    browser = requests.Session()
    _, challenge = _pkce()
    page, _ = _authorize(browser, discovery, client_base, challenge)
    assert "Anmelden beim Dienstkonto der FHH (lokaler Testanbieter)" in page.text
    for field in ('id="login"', 'id="password"', 'id="submit"', 'for="login"', 'for="password"'):
        assert field in page.text
    action, _ = _form(page.text)

    refused = browser.post(
        urljoin(page.url, action),
        data={"login": "anna.schmidt@hamburg.de", "password": "falsch"},
        allow_redirects=False,
        timeout=10,
    )

    assert refused.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch" in refused.text
    assert 'role="alert"' in refused.text
    assert 'value="anna.schmidt@hamburg.de"' in refused.text
    # The same form takes the right password afterwards.
    accepted = browser.post(
        urljoin(page.url, action),
        data={"login": "anna.schmidt@hamburg.de", "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert accepted.status_code == 303


def test_end_session_sends_a_logout_token_to_the_client(idp, discovery, client_base, receiver):
    tokens = _sign_in(discovery, client_base, "tim.wolf@hamburg.de")
    sid = _verified(tokens["id_token"], discovery)["sid"]
    receiver.received.clear()

    result = idp.end_session("tim-wolf")

    assert result["sessions_ended"] >= 1
    assert {"client_id": CLIENT_ID, "sid": sid, "ok": True} in result["backchannel"]
    logout_tokens = [body["logout_token"][0] for body in receiver.received]
    logout = next(
        claims
        for claims in (_verified(token, discovery) for token in logout_tokens)
        if claims["sid"] == sid
    )
    assert logout["events"] == {BACKCHANNEL_EVENT: {}}
    assert logout["sub"] == "tim-wolf"
    assert logout["iss"] == idp.issuer
    assert logout["aud"] == CLIENT_ID
    assert logout["jti"]
    assert logout["iat"]
    assert "nonce" not in logout
    assert jwt.get_unverified_header(logout_tokens[0])["typ"] == "logout+jwt"

    # The provider session is gone: the same browser is asked to sign in again.
    page, _ = _authorize(tokens["browser"], discovery, client_base, _pkce()[1])
    assert 'id="password"' in page.text


def test_rp_initiated_logout_signs_out_and_redirects(idp, discovery, client_base, receiver):
    tokens = _sign_in(discovery, client_base, "anna.schmidt@hamburg.de")
    browser: requests.Session = tokens["browser"]
    sid = _verified(tokens["id_token"], discovery)["sid"]
    receiver.received.clear()

    query = urlencode(
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": f"{client_base}/",
            "state": "after-logout",
        }
    )
    page = browser.get(f"{discovery['end_session_endpoint']}?{query}", timeout=10)
    # oidc-provider wants a POST with its xsrf value: the page submits it by itself (script);
    # a browser without JavaScript shows the button #logout. Here: submit it by hand.
    assert page.status_code == 200
    assert 'id="logout"' in page.text
    action, hidden = _form(page.text)
    assert "xsrf" in hidden
    done = browser.post(
        urljoin(page.url, action),
        data={"xsrf": hidden["xsrf"], "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )

    assert done.status_code == 303
    assert done.headers["Location"] == f"{client_base}/?state=after-logout"
    tokens_sent = [_verified(body["logout_token"][0], discovery) for body in receiver.received]
    assert [claims["sid"] for claims in tokens_sent] == [sid]
    # The provider session is gone: the same browser is asked to sign in again.
    page, _ = _authorize(browser, discovery, client_base, _pkce()[1])
    assert 'id="password"' in page.text
