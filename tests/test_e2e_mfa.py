"""The second factor in a real browser (Chromium): ITD signs in with password and authenticator
code; a coordinator without one is led to the enrolment and enrols. No page breaks the CSP."""

from __future__ import annotations

import pytest

from spaces.models import Membership

from .conftest import enrol_mfa, totp_code
from .factories import PASSWORD, MembershipFactory, PersonFactory, UserFactory
from .test_e2e_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return violations


def _password_step(page, base: str, email: str, next_url: str = "") -> None:
    page.goto(f"{base}/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")


@pytest.mark.django_db(transaction=True)
def test_itd_signs_in_with_password_and_authenticator_code(live_server, browser_page):  # noqa: F811
    page = browser_page
    base = live_server.url
    violations = _watch_csp(page)
    user = UserFactory(email="browser.itd@example.org", is_itd_staff=True, is_staff=True)
    PersonFactory(user=user)
    enrol_mfa(user)

    _password_step(page, base, user.email, next_url="/admin/")
    page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    valid = {totp_code(offset=o) for o in (-2, -1, 0, 1, 2)}
    page.fill("#id_code", next(c for c in ("123456", "654321", "111111") if c not in valid))
    with page.expect_navigation():
        page.get_by_role("button", name="Anmeldung").click()
    assert "Dieser Code ist falsch" in page.locator("main").inner_text()

    page.fill("#id_code", totp_code())
    with page.expect_navigation(url=f"{base}/admin/"):
        page.get_by_role("button", name="Anmeldung").click()
    assert "Verwaltung" in page.title()

    page.goto(f"{base}/accounts/security/")
    assert page.locator("h1").inner_text() == "Konto & Sicherheit"
    assert "aktiv" in page.locator("section[aria-labelledby=account-mfa]").inner_text()
    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_coordinator_without_second_factor_is_led_to_enrolment_and_enrols(
    live_server,
    browser_page,  # noqa: F811
):
    page = browser_page
    base = live_server.url
    violations = _watch_csp(page)
    # Factories only: transactional tests cannot rely on the reference data of the migrations.
    person = PersonFactory(user__email="browser.enrol@example.org")
    MembershipFactory(
        person=person, space__slug="mobilitaet-energie", role=Membership.Role.COORDINATOR
    )

    _password_step(page, base, person.user.email)
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    assert page.locator("h1").inner_text() == "Authenticator-App einrichten"
    assert "vorgeschrieben" in page.locator("main").inner_text()
    qr = page.locator("img.portal-qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # data: URI allowed

    page.goto(f"{base}/spaces/")  # any page leads back to the enrolment
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")

    secret = page.locator("#authenticator_secret").inner_text().strip()
    page.fill("#id_code", totp_code(secret))
    with page.expect_navigation(url=f"{base}/accounts/2fa/recovery-codes/"):
        page.get_by_role("button", name="Aktivieren").click()
    assert "Wiederherstellungs" in page.locator("h1").inner_text()

    page.goto(f"{base}/dashboard/")
    assert page.locator("h1").inner_text() == "Mein Überblick"
    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_coordinator_enrols_a_security_key_and_signs_in_with_it(
    live_server,
    browser_page,  # noqa: F811
    settings,
):
    # Chromium's virtual authenticator (DevTools protocol) stands in for a USB key or passkey.
    # WebAuthn needs HTTPS or localhost; the test server speaks plain HTTP on localhost.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    # The test server serves static files from the finders, without the manifest's hashed names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page = browser_page
    base = live_server.url
    assert "//localhost:" in base
    violations = _watch_csp(page)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    person = PersonFactory(user__email="browser.key@example.org")
    MembershipFactory(
        person=person, space__slug="mobilitaet-energie", role=Membership.Role.COORDINATOR
    )

    _password_step(page, base, person.user.email)
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    page.get_by_role("link", name="Stattdessen einen Sicherheitsschlüssel hinzufügen").click()
    # The button only works once allauth's script has bound it (on DOMContentLoaded): a
    # click before that does nothing, so wait until the page has loaded.
    page.wait_for_url(f"{base}/accounts/2fa/webauthn/add/")
    page.fill("#id_name", "Dienstschlüssel")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(f"{base}/accounts/2fa/recovery-codes/")
    credentials = devtools.send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]}
    )
    assert len(credentials["credentials"]) == 1
    page.goto(f"{base}/dashboard/")
    assert page.locator("h1").inner_text() == "Mein Überblick"

    with page.expect_navigation(url=f"{base}/"):
        page.locator("header").get_by_role("button", name="Abmelden").click()
    _password_step(page, base, person.user.email)
    page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(f"{base}/dashboard/")
    assert page.locator("h1").inner_text() == "Mein Überblick"
    assert violations == []
