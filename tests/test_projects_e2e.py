"""In a real browser: an officer enters a budget line in German notation and sees it flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from contacts.models import Authority
from spaces.models import Space

from .conftest import TEST_TOTP_SECRET, enrol_mfa
from .factories import DigitalOfficerFactory, PersonFactory, ProjectFactory
from .test_e2e_browser import CHROMIUM, _sign_in, browser_page  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


@pytest.mark.django_db(transaction=True)
def test_officer_enters_a_budget_line_and_sees_it_flagged(
    live_server, reference_data, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")  # the browser of test_e2e_browser
    base = live_server.url
    authority = Authority.objects.get(code="BVM")
    person = PersonFactory.create(user__email="browser.officer@example.org", authority=authority)
    DigitalOfficerFactory(person=person, authority=authority, since=dt.date(2024, 1, 1))
    project = ProjectFactory.create(
        slug="browser-projekt",
        title="Browser-Projekt",
        primary_space=Space.objects.get(slug="mobilitaet-energie"),
        lead_authority=authority,
        start=dt.date(2026, 1, 1),
        end=dt.date(2027, 12, 31),
    )

    enrol_mfa(person.user)  # officers sign in with a second factor
    _sign_in(page, base, person.user.email, totp_secret=TEST_TOTP_SECRET)
    page.goto(f"{base}{project.get_absolute_url()}")
    page.get_by_role("link", name="Budget bearbeiten").click()
    page.select_option("#id_lines-0-category", label="Sachkosten")
    page.select_option("#id_lines-0-funding_source", label="ITD-Strategiebudget")
    page.fill("#id_lines-0-planned", "1.234,56")
    page.fill("#id_lines-0-actual", "1.300,00")
    page.fill("#id_lines-1-planned", "-3")
    page.select_option("#id_lines-1-category", label="Investitionen")
    page.select_option("#id_lines-1-funding_source", label="Bundesmittel")
    page.get_by_role("button", name="Alle Zeilen speichern").click()

    # One bad row: nothing saved, the message sits at the field.
    assert page.locator("#id_lines-1-planned_error").inner_text() == (
        "Der Betrag darf nicht negativ sein."
    )
    assert project.budget_lines.count() == 0

    page.fill("#id_lines-1-planned", "")
    page.select_option("#id_lines-1-category", value="")
    page.select_option("#id_lines-1-funding_source", value="")
    page.get_by_role("button", name="Alle Zeilen speichern").click()
    page.wait_for_url(f"{base}{project.get_absolute_url()}#budget-2026")
    body = page.locator("main").inner_text()
    assert "1.234,56 EUR" in body
    assert "über Plan" in body
    assert "Änderungsprotokoll" in body
    assert project.budget_lines.count() == 1
