"""End to end in a real browser (Debian's Chromium driven by Playwright): sign in, work, switch."""

from __future__ import annotations

import shutil

import pytest

from spaces.models import Membership

from .conftest import TEST_TOTP_SECRET, enrol_mfa, totp_code
from .factories import PASSWORD, AuthorityFactory, MembershipFactory, PersonFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


@pytest.fixture
def browser_page(live_server, fresh_contexts):
    """A page in a browser context of its own, in the module's Chromium."""
    return fresh_contexts.new_page(locale="en-US")


def _sign_in(page, base: str, email: str, totp_secret: str | None = None) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    if totp_secret is not None:
        # Coordinators and ITD staff sign in with a second factor (issue 4).
        page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
        page.fill("#id_code", totp_code(totp_secret))
        page.get_by_role("button", name="Anmeldung").click()
    page.wait_for_url(f"{base}/dashboard/")


@pytest.mark.django_db(transaction=True)
def test_coordinator_signs_in_adds_a_member_and_switches_to_english(live_server, browser_page):
    page = browser_page
    base = live_server.url
    coordinator = PersonFactory(
        user__email="browser.coord@example.org",
        user__first_name="Carla",
        user__last_name="Koordinatorin",
        authority=AuthorityFactory(code="BVM"),
    )
    # Factories with get_or_create: transactional tests may run after the reference data is gone.
    space = MembershipFactory(
        person=coordinator,
        space__slug="mobilitaet-energie",
        space__name_de="Mobilität & Energie",
        space__name_en="Mobility & Energy",
        role=Membership.Role.COORDINATOR,
    ).space
    newcomer = PersonFactory(
        user__first_name="Nils",
        user__last_name="Neumann",
        authority=AuthorityFactory(code="FB"),
    )

    enrol_mfa(coordinator.user)
    _sign_in(page, base, coordinator.user.email, TEST_TOTP_SECRET)
    assert page.locator("h1").inner_text() == "Mein Überblick"
    assert page.get_by_role("link", name="Mobilität & Energie").count() >= 1

    page.goto(f"{base}/spaces/{space.slug}/")
    page.get_by_role("link", name="Mitglied hinzufügen").click()
    page.select_option("#id_person", str(newcomer.pk))
    page.select_option("#id_role", "member")
    with page.expect_navigation(url=f"{base}/spaces/{space.slug}/"):
        page.get_by_role("button", name="Hinzufügen").click()
    assert "Nils Neumann ist jetzt Mitglied" in page.locator("main").inner_text()
    assert Membership.objects.active().filter(person=newcomer, space=space).exists()

    page.select_option("#language-select", "en")
    with page.expect_navigation():
        page.get_by_role("button", name="Wechseln").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Mobility & Energy"


@pytest.mark.django_db(transaction=True)
def test_bad_input_in_the_browser_shows_the_message_at_the_field(live_server, browser_page):
    page = browser_page
    base = live_server.url
    coordinator = PersonFactory(user__email="browser.coord2@example.org")
    MembershipFactory(
        person=coordinator, space__slug="mobilitaet-energie", role=Membership.Role.COORDINATOR
    )
    guest = PersonFactory(authority=None)
    enrol_mfa(coordinator.user)
    _sign_in(page, base, coordinator.user.email, TEST_TOTP_SECRET)
    page.goto(f"{base}/spaces/mobilitaet-energie/members/add/")
    page.select_option("#id_person", str(guest.pk))
    page.select_option("#id_role", "guest")
    page.get_by_role("button", name="Hinzufügen").click()
    error = page.locator("#id_until_error")
    assert "Ein Gastzugang braucht immer ein Enddatum." in error.inner_text()
    assert page.locator("#id_until").get_attribute("aria-describedby").endswith("id_until_error")
    assert not Membership.objects.filter(person=guest).exists()
