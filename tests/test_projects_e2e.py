"""In a real browser: an officer enters a budget line in German notation and sees it flagged,
and budgets two personnel lines from the same funds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contacts.models import Authority
from projects.models import CostRate, FiscalYear, Project
from projects.selectors import project_page
from spaces.models import Space

from .conftest import TEST_TOTP_SECRET, enrol_mfa
from .factories import DigitalOfficerFactory, PersonFactory, ProjectFactory
from .test_accessibility import _violations
from .test_e2e_browser import CHROMIUM, _sign_in, browser_page  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


@pytest.mark.django_db(transaction=True)
def test_officer_enters_a_budget_line_and_sees_it_flagged(
    live_server, reference_data, request: pytest.FixtureRequest, monkeypatch
):
    # The editor opens on the current fiscal year: 2026 here, whatever the day of the run.
    monkeypatch.setattr(project_page, "today", lambda: dt.date(2026, 6, 1))
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
    # One empty row is offered; a second one is added in the page, without a save.
    assert page.locator("#id_lines-1-planned").count() == 0
    page.get_by_role("button", name="Zeile hinzufügen").click()
    assert page.locator("#id_lines-1-category").evaluate("e => e === document.activeElement")
    assert page.input_value("#id_lines-TOTAL_FORMS") == "2"
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
    with page.expect_navigation(url=f"{base}{project.get_absolute_url()}#budget-2026"):
        page.get_by_role("button", name="Alle Zeilen speichern").click()
    body = page.locator("main").inner_text()
    assert "1.234,56\u00a0€" in body
    assert "über Plan" in body
    assert "Änderungsprotokoll" in body
    assert project.budget_lines.count() == 1


@pytest.mark.django_db(transaction=True)
def test_rows_are_added_and_removed_and_lists_filtered_in_the_browser(
    live_server, reference_data, request: pytest.FixtureRequest
):
    """Forms that help (issue 11): the searchable pickers, the slug preview, rows without a
    save; all progressive (the same forms work without JavaScript, tests/test_projects_forms)."""
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    authority = Authority.objects.get(code="BVM")
    person = PersonFactory.create(user__email="browser.forms@example.org", authority=authority)
    DigitalOfficerFactory(person=person, authority=authority, since=dt.date(2024, 1, 1))
    enrol_mfa(person.user)
    _sign_in(page, base, person.user.email, totp_secret=TEST_TOTP_SECRET)

    page.goto(f"{base}/projects/new/")
    assert not _violations(page)  # with the filters the script adds
    page.fill("#id_title", "Hafenlotsen Plattform für Straßen")
    assert page.get_attribute("#id_slug", "placeholder") == "hafenlotsen-plattform-fuer-strassen"
    # The authorities: checkboxes (no Ctrl/Cmd) with a filter that hides what does not match.
    group = page.locator("fieldset", has_text="beteiligte Behörden")
    shown = group.locator(".kern-form-check:visible")
    everything = shown.count()
    group.get_by_label("Liste filtern").fill("altona")
    assert shown.count() == 1 < everything
    assert "1 von" in group.locator("[role=status]").inner_text()
    group.get_by_label("Bezirksamt Altona (BA-ALTONA)").check()
    group.get_by_label("Liste filtern").fill("")
    assert shown.count() == everything
    page.select_option("#id_primary_space", label="Mobilität & Energie")
    page.select_option("#id_lead_authority", value=str(authority.pk))
    page.fill("#id_start", "2026-01-01")
    page.fill("#id_end", "2027-12-31")
    with page.expect_navigation(url=f"{base}/projects/hafenlotsen-plattform-fuer-strassen/"):
        page.get_by_role("button", name="Speichern").click()
    project = Project.objects.get(slug="hafenlotsen-plattform-fuer-strassen")
    assert [a.code for a in project.participating_authorities.all()] == ["BA-ALTONA"]

    # Milestones: add two rows in the page, remove one again, save the other.
    page.goto(f"{base}/projects/{project.slug}/milestones/")
    add = page.get_by_role("button", name="Meilenstein hinzufügen")
    add.click()
    add.click()
    assert page.input_value("#id_milestones-TOTAL_FORMS") == "3"
    page.fill("#id_milestones-1-title", "Entfernt")
    page.fill("#id_milestones-2-title", "Konzept")
    page.fill("#id_milestones-2-due", "2026-06-30")
    page.locator("[data-rows=milestones] [data-new-row]").nth(1).get_by_role(
        "button", name="Zeile entfernen"
    ).click()
    assert page.locator("#id_milestones-1-title").count() == 0
    assert add.evaluate("e => e === document.activeElement")
    with page.expect_navigation(url=f"{base}{project.get_absolute_url()}"):
        page.get_by_role("button", name="Speichern").click()
    assert [m.title for m in project.milestones.all()] == ["Konzept"]

    # The budget editor with its script, and Back after a delete: the friendly 410 page.
    page.goto(f"{base}/projects/{project.slug}/budget/")
    page.get_by_role("button", name="Zeile hinzufügen").click()
    assert not _violations(page)
    milestone = project.milestones.get()
    page.goto(f"{base}/projects/{project.slug}/milestones/{milestone.pk}/delete/")
    with page.expect_navigation(url=f"{base}/projects/{project.slug}/milestones/"):
        page.get_by_role("button", name="Ja, löschen").click()
    page.go_back()
    assert "Konzept“ haben Sie gelöscht" in page.locator("main").inner_text()
    assert not _violations(page)
    with page.expect_navigation(url=f"{base}/projects/{project.slug}/milestones/"):
        page.get_by_role("link", name="Zu den Meilensteinen und Links").click()


@pytest.mark.django_db(transaction=True)
def test_officer_budgets_two_personnel_lines_from_the_same_funds(
    live_server, reference_data, request: pytest.FixtureRequest, monkeypatch
):
    """Issue 16: a second personnel line from the same funds with another grade, each named;
    the editor opens on the current year and shows amounts with thousands separators."""
    monkeypatch.setattr(project_page, "today", lambda: dt.date(2026, 6, 1))
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    authority = Authority.objects.get(code="BVM")
    person = PersonFactory.create(user__email="browser.teams@example.org", authority=authority)
    DigitalOfficerFactory(person=person, authority=authority, since=dt.date(2024, 1, 1))
    project = ProjectFactory.create(
        slug="zwei-teams",
        title="Zwei Teams",
        primary_space=Space.objects.get(slug="mobilitaet-energie"),
        lead_authority=authority,
        start=dt.date(2025, 1, 1),
        end=dt.date(2027, 12, 31),
    )
    year = FiscalYear.objects.get(year=2026)
    CostRate.objects.create(fiscal_year=year, pay_grade="E 13", annual_full_cost=Decimal("98300"))
    CostRate.objects.create(fiscal_year=year, pay_grade="E 11", annual_full_cost=Decimal("86000"))

    enrol_mfa(person.user)
    _sign_in(page, base, person.user.email, totp_secret=TEST_TOTP_SECRET)
    page.goto(f"{base}/projects/{project.slug}/budget/")
    assert page.locator("h1").inner_text() == "Budgetzeilen 2026 bearbeiten"
    for row, (grade, fte, team) in enumerate(
        (("E 13", "1", "Team Plattform"), ("E 11", "0,5", "Team Betrieb"))
    ):
        if row:
            page.get_by_role("button", name="Zeile hinzufügen").click()
        page.select_option(f"#id_lines-{row}-category", label="Personalkosten")
        page.select_option(f"#id_lines-{row}-funding_source", label="Eigenmittel der Behörde")
        page.fill(f"#id_lines-{row}-description", team)
        page.fill(f"#id_lines-{row}-fte", fte)
        page.fill(f"#id_lines-{row}-pay_grade", grade)
        page.fill(f"#id_lines-{row}-months", "12")
    with page.expect_navigation(url=f"{base}{project.get_absolute_url()}#budget-2026"):
        page.get_by_role("button", name="Alle Zeilen speichern").click()
    body = page.locator("main").inner_text()
    assert "Team Plattform" in body and "Team Betrieb" in body
    assert "141.300,00\u00a0€" in body  # 98,300 + 0.5 x 86,000
    assert project.budget_lines.count() == 2

    page.goto(f"{base}/projects/{project.slug}/budget/")
    assert page.input_value("#id_lines-0-planned") == "98.300,00"
    assert page.input_value("#id_lines-1-planned") == "43.000,00"
    assert not _violations(page)
