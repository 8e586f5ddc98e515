"""Single sign-on in Chromium against the real local identity provider (scripts/idp, the npm
package oidc-provider on loopback; issue 19): the first sign-in creates the account with the
roles of its groups, a changed group changes the role at the next sign-in, the provider's
second factor spares the portal's and its absence does not, and an address outside the city's
domains is refused with a message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contacts.models import Authority, User
from core.models import SecurityEvent
from identity import services
from identity.models import ClaimGrant, Grants
from spaces.models import Membership, Space

from .idp import IdentityProvider, client_metadata, run_identity_provider
from .test_e2e_browser import CHROMIUM
from .test_e2e_suite import _context
from .test_e2e_suite import browser as browser  # noqa: F401 - the module's Chromium fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]

CLIENT_ID = "portal-test"
CLIENT_SECRET = "test-only-client-secret"  # noqa: S105 - the local provider's test client
PASSWORD = "Hamburg-SSO-2026!"  # noqa: S105 - the local provider's test accounts
LEAD = "fhh-raum-mobilitaet-energie-koordination"
ROOM = "fhh-raum-mobilitaet-energie"


def _account(sub: str, email: str, groups: list[str], *, mfa: bool, verified: bool = True) -> Any:
    first, _, last = sub.partition("-")
    return {
        "sub": sub,
        "email": email,
        "email_verified": verified,
        "given_name": first.title(),
        "family_name": last.title(),
        "groups": groups,
        "mfa": mfa,
        "password": PASSWORD,
    }


LEA = _account("lea-koch", "lea.koch@hamburg.de", [LEAD], mfa=True)
ANNA = _account(
    "anna-schmidt", "anna.schmidt@hamburg.de", ["fhh-itd", "fhh-behoerde-ITD"], mfa=True
)
TIM = _account("tim-wolf", "tim.wolf@bvm.hamburg.de", [LEAD], mfa=False)
EVE = _account("eve-extern", "eve@example.org", [ROOM], mfa=True)


@pytest.fixture
def provider(live_server, settings, tmp_path: Path) -> Iterator[IdentityProvider]:
    client = client_metadata(CLIENT_ID, CLIENT_SECRET, live_server.url)
    with run_identity_provider([LEA, TIM, EVE, ANNA], [client], tmp_path) as idp:
        policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
        settings.CONTENT_SECURITY_POLICY = {
            "DIRECTIVES": {**policy, "form-action": [*policy["form-action"], idp.issuer]}
        }
        settings.OIDC_ALLOWED_DOMAINS = ["hamburg.de"]
        settings.OIDC_MFA_AMR = ["otp", "mfa"]
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "SCOPE": ["openid", "email", "profile", "groups"],
                "APPS": [
                    {
                        "provider_id": "fhh",
                        "name": "Dienstkonto der FHH",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {
                            "server_url": idp.issuer,
                            "token_auth_method": "client_secret_basic",
                        },
                    }
                ],
            }
        }
        yield idp


@pytest.fixture
def table(reference_data, itd) -> None:
    space = Space.objects.get(slug="mobilitaet-energie")
    services.claim_rule_create(actor=itd, claim=LEAD, grants=Grants.COORDINATOR, space=space)
    services.claim_rule_create(actor=itd, claim=ROOM, grants=Grants.MEMBER, space=space)
    services.claim_rule_create(actor=itd, claim="fhh-itd", grants=Grants.ITD)
    services.claim_rule_create(
        actor=itd,
        claim="fhh-behoerde-ITD",
        grants=Grants.AUTHORITY,
        authority=Authority.objects.get(code="ITD"),
    )


def _sign_in(page, base: str, email: str) -> None:
    """The portal's sign-in page, the button for the staff account, the provider's form."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Mit dem Dienstkonto der FHH anmelden").click()
    try:
        page.wait_for_selector("#login", timeout=10000)
    except Exception as error:
        raise AssertionError(f"{page.url}\n{page.locator('body').inner_text()[:1500]}") from error
    page.fill("#login", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")


def _role(email: str) -> str | None:
    membership = (
        Membership.objects.active()
        .filter(person__user__email=email, space__slug="mobilitaet-energie")
        .first()
    )
    return membership.role if membership is not None else None


@pytest.mark.django_db(transaction=True)
def test_first_sign_in_creates_the_account_and_a_changed_group_changes_the_role(
    table, provider, live_server, browser
):
    base = live_server.url
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, base, LEA["email"])
    # The provider checked a second factor (amr otp): the portal asks for none, although a
    # coordinator must have one.
    page.wait_for_url(f"{base}/dashboard/")
    assert page.locator("h1").inner_text() == "Mein Überblick"
    user = User.objects.get(email=LEA["email"])
    assert (user.first_name, user.last_name) == ("Lea", "Koch")
    assert _role(LEA["email"]) == Membership.Role.COORDINATOR
    grant = ClaimGrant.objects.get(user=user, ended_at__isnull=True)
    assert grant.claim == LEAD
    login = SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.LOGIN).latest("id")
    assert login.detail == {"path": "oidc:fhh", "mfa": "provider"}
    # The space's page shows her as its coordinator.
    page.goto(f"{base}/accounts/identity/")
    assert LEAD in page.content()

    # At the provider her group changes: at the next sign-in she is a member, no longer the
    # coordinator (the role from the old group ended, the new one began).
    provider.write_accounts([{**LEA, "groups": [ROOM]}, TIM, EVE, ANNA])
    # Signing out of the portal signs out at the provider too (RP-initiated logout with the ID
    # token as hint) and comes back to the start page: the next sign-in asks for the password.
    with page.expect_navigation(url=re.compile(re.escape(base) + r"/(\?.*)?$")):
        page.locator("header").get_by_role("button", name="Abmelden").click()
    assert "Abmelden" not in page.locator("header").inner_text()
    _sign_in(page, base, LEA["email"])
    page.wait_for_url(f"{base}/dashboard/")
    assert _role(LEA["email"]) == Membership.Role.MEMBER
    assert (
        list(ClaimGrant.objects.filter(user=user).order_by("id").values_list("claim", "ended_at"))[
            0
        ][1]
        is not None
    )
    context.close()


@pytest.mark.django_db(transaction=True)
def test_without_the_providers_second_factor_the_portal_demands_its_own(
    table, provider, live_server, browser
):
    base = live_server.url
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, base, TIM["email"])
    # A coordinator by his group, signed in at the provider with a password only: the portal's
    # own second factor is demanded (he has none yet, so its enrolment).
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    assert _role(TIM["email"]) == Membership.Role.COORDINATOR
    page.goto(f"{base}/dashboard/")
    assert page.url == f"{base}/accounts/2fa/totp/activate/"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_an_address_outside_the_citys_domains_is_refused_with_a_message(
    table, provider, live_server, browser
):
    base = live_server.url
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, base, EVE["email"])
    page.wait_for_url(f"{base}/accounts/login/")
    assert "Eingeladene Partnerinnen und Partner" in page.locator("main").inner_text()
    assert not User.objects.filter(email=EVE["email"]).exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_REFUSED, detail__reason="foreign_domain"
    ).exists()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_logging_out_at_the_provider_ends_the_portal_session_at_once(
    table, provider, live_server, browser
):
    base = live_server.url
    context = _context(browser)
    page = context.new_page()
    # ITD staff by their groups (a new account: no role in the portal before the claims).
    _sign_in(page, base, ANNA["email"])
    page.wait_for_url(f"{base}/dashboard/")
    page.goto(f"{base}/identity/claims/")
    assert page.locator("h1").inner_text() == "Gruppen des Dienstkontos und Rollen im Portal"
    # The person signs out at the provider (elsewhere): it tells the portal by the back channel.
    told = provider.end_session(ANNA["sub"])
    assert [call["ok"] for call in told["backchannel"]] == [True], told
    page.goto(f"{base}/dashboard/")
    assert page.url.startswith(f"{base}/accounts/login/")
    context.close()
