"""The budget editor as officers budget (issue 16, point 4): several lines per year, cost category
and source, each with its own description; the editor opens on the current fiscal year; amounts
shown and accepted with the thousands separators of the language."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse

from core.models import AuditEntry
from core.money import input_number, parse_amount
from core.rules import EVERYTHING
from core.templatetags.portal import euro
from projects.models import BudgetLine, CostCategory, CostRate, FiscalYear, FundingSource
from projects.selectors import money, project_page
from reports.content import category_rows

from .conftest import client_for
from .factories import ProjectFactory, budget_formset, budget_line
from .test_projects_forms import _english


@pytest.fixture
def project(space, authority):
    return ProjectFactory(slug="haushalt", primary_space=space, lead_authority=authority)


@pytest.fixture
def rates(db):
    year = FiscalYear.objects.get(year=2026)
    for grade, cost in (("E 13", "98300.00"), ("E 11", "86000.00")):
        CostRate.objects.create(fiscal_year=year, pay_grade=grade, annual_full_cost=Decimal(cost))


def _row(category="personal", source="eigen", **values) -> dict:
    return {
        "category": CostCategory.objects.get(code=category).pk,
        "funding_source": FundingSource.objects.get(code=source).pk,
        **values,
    }


def _budget_url(project, year: int | None = 2026) -> str:
    url = reverse("projects:budget", kwargs={"slug": project.slug})
    return f"{url}?year={year}" if year else url


def _sql_sums(**filters) -> dict[str, Decimal]:
    return BudgetLine.objects.filter(**filters).aggregate(
        planned=Sum("planned"), revised=Sum("revised"), actual=Sum("actual")
    )


# --- Several lines with one key -----------------------------------------------------------------


def test_a_second_personnel_line_from_the_same_funds_with_another_grade(officer, project, rates):
    client = client_for(officer)
    first = _row(fte="1", pay_grade="E 13", months="12")
    assert client.post(_budget_url(project), budget_formset([first])).status_code == 302
    line = BudgetLine.objects.get(project=project)
    assert line.description == ""  # alone with its key, a line needs no description

    # The officer names the first line and adds a second one from the same funds.
    named = {**first, "line_id": line.pk, "version": line.version, "description": "Team Plattform"}
    second = _row(fte="0,5", pay_grade="E 11", months="12", description="Team Betrieb")
    response = client.post(_budget_url(project), budget_formset([named, second], initial=1))
    assert response.status_code == 302, response.content.decode()[:3000]

    lines = {b.description: b for b in BudgetLine.objects.filter(project=project)}
    assert set(lines) == {"Team Plattform", "Team Betrieb"}
    assert lines["Team Plattform"].planned == Decimal("98300.00")
    assert lines["Team Betrieb"].planned == Decimal("43000.00")  # 0.5 x 86,000 x 12/12
    assert lines["Team Betrieb"].cost_rate.pay_grade == "E 11"

    # The editor shows both rows again, each with its description, in the order entered.
    editor = client.get(_budget_url(project))
    assert [f.initial["description"] for f in editor.context["formset"].forms[:2]] == [
        "Team Plattform",
        "Team Betrieb",
    ]

    # The trail names each line distinctly.
    line_type = ContentType.objects.get_for_model(BudgetLine)
    names = set(
        AuditEntry.objects.filter(content_type=line_type).values_list("object_repr", flat=True)
    )
    assert "2026 · Personalkosten · Eigenmittel der Behörde · Team Betrieb" in names
    assert "2026 · Personalkosten · Eigenmittel der Behörde · Team Plattform" in names
    page = client.get(project.get_absolute_url()).content.decode()
    assert "Budgetzeile 2026 · Personalkosten · Eigenmittel der Behörde · Team Betrieb" in page
    assert "Team Plattform" in page

    # The year's sum counts both lines.
    assert money.year_total(project, FiscalYear.objects.get(year=2026)).planned == Decimal(
        "141300.00"
    )
    assert euro(Decimal("141300.00")) in page


def test_rows_sharing_category_and_source_each_need_a_description(officer, project):
    data = budget_formset(
        [
            _row("sach", "eigen", planned="100", description="Lizenzen"),
            _row("sach", "eigen", planned="200"),
        ]
    )
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    formset = response.context["formset"]
    assert "description" not in formset[0].errors
    assert "Bitte geben Sie jeder eine Bezeichnung" in " ".join(formset[1].errors["description"])
    html = response.content.decode()
    assert 'id="id_lines-1-description_error"' in html
    assert 'name="lines-0-description" value="Lizenzen"' in html  # what was typed comes back
    assert not BudgetLine.objects.exists()


def test_an_existing_line_must_be_named_before_a_second_one_joins_it(officer, project):
    line = budget_line(project, 2026, "sach", "eigen", planned=Decimal("100"))
    existing = _row("sach", "eigen", planned="100,00", line_id=line.pk, version=line.version)
    added = _row("sach", "eigen", planned="50", description="Schulungen")
    response = client_for(officer).post(_budget_url(project), budget_formset([existing, added], 1))
    assert response.status_code == 400
    assert "description" in response.context["formset"][0].errors
    assert BudgetLine.objects.filter(project=project).count() == 1


def test_the_same_description_twice_is_refused_whatever_its_case(officer, project):
    data = budget_formset(
        [
            _row("sach", "eigen", planned="100", description="Team A"),
            _row("sach", "eigen", planned="200", description="team a"),
        ]
    )
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    message = " ".join(response.context["formset"][1].errors["description"])
    assert "bereits eine Zeile mit dieser Kostenart, Quelle und Bezeichnung" in message
    assert not BudgetLine.objects.exists()


def test_a_line_added_meanwhile_without_description_stops_the_save(officer, project):
    """The page was opened before someone else added an unnamed line with the same key: the
    new, named row alone would leave two lines of which one has no description."""
    budget_line(project, 2026, "sach", "eigen", planned=Decimal("5"))
    data = budget_formset([_row("sach", "eigen", planned="7", description="Schulungen")])
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    assert "Bitte laden Sie die Seite neu" in " ".join(response.context["formset"].service_errors)
    assert BudgetLine.objects.filter(project=project).count() == 1


def test_the_database_refuses_a_twin_with_the_same_description(project):
    budget_line(project, 2026, "sach", "eigen", description="Lizenzen", planned=Decimal("1"))
    budget_line(project, 2026, "sach", "eigen", description="Schulungen", planned=Decimal("2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        budget_line(project, 2026, "sach", "eigen", description="Lizenzen", planned=Decimal("3"))


def test_several_lines_with_one_key_are_summed_everywhere(itd, project):
    for description, planned in (("Lizenzen", "1000.10"), ("Schulungen", "2000.20"), ("", "3.03")):
        source = "eigen" if description else "itd"
        budget_line(
            project,
            2026,
            "sach",
            source,
            description=description,
            planned=Decimal(planned),
            revised=Decimal(planned),
            actual=Decimal("1.01"),
        )
    sums = _sql_sums(project=project)
    assert sums["planned"] == Decimal("3003.33")
    # The summaries the pages read (kept by the database's triggers).
    figures = money.year_total(project, FiscalYear.objects.get(year=2026))
    assert (figures.planned, figures.actual) == (sums["planned"], sums["actual"])
    assert money.project_total(project).planned == sums["planned"]
    page = client_for(itd).get(project.get_absolute_url()).content.decode()
    assert euro(sums["planned"]) in page
    assert re.search(r"Sachkosten\s+· Schulungen", page)  # each line named on the page
    portfolio = client_for(itd).get(reverse("projects:list")).content.decode()
    assert euro(sums["planned"]) in portfolio
    # The budget report's sheet per project and category.
    (row,) = [r for r in category_rows(EVERYTHING, 2026) if r.slug == project.slug]
    assert row.figures.planned == sums["planned"]
    # The export: one row per line, with its description, and the sum row.
    response = client_for(itd).get(reverse("projects:budget_export", kwargs={"fmt": "csv"}))
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    header, lines, total = rows[0], rows[1:-1], rows[-1]
    described = header.index("Bezeichnung")
    assert sorted(r[described] for r in lines) == ["", "Lizenzen", "Schulungen"]
    assert total[header.index("Plan")] == "3003,33"


# --- The year the editor opens on ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (dt.date(2026, 12, 5), 2026),  # the current year, though 2027 has lines too
        (dt.date(2026, 1, 1), 2026),
        (dt.date(2023, 6, 1), 2025),  # before the project: its first year
        (dt.date(2031, 6, 1), 2027),  # after its end: its last year
    ],
)
def test_the_editor_opens_on_the_current_fiscal_year(officer, project, monkeypatch, today, year):
    monkeypatch.setattr(project_page, "today", lambda: today)
    budget_line(project, 2027, planned=Decimal("1"))
    response = client_for(officer).get(_budget_url(project, year=None))
    assert response.status_code == 200
    assert response.context["fiscal_year"].year == year


def test_the_year_selector_still_reaches_the_other_years(officer, project, monkeypatch):
    monkeypatch.setattr(project_page, "today", lambda: dt.date(2026, 5, 1))
    budget_line(project, 2027, planned=Decimal("4711"))
    client = client_for(officer)
    html = client.get(_budget_url(project, year=None)).content.decode()
    for other in (2025, 2027):
        assert f'href="?year={other}"' in html
    response = client.get(_budget_url(project, year=2027))
    assert response.context["fiscal_year"].year == 2027
    assert 'value="4.711,00"' in response.content.decode()


def test_the_nearest_year_that_is_set_up_when_the_current_one_is_not(project, monkeypatch):
    monkeypatch.setattr(project_page, "today", lambda: dt.date(2026, 5, 1))
    FiscalYear.objects.filter(year=2026).delete()
    assert project_page.default_budget_year(project) == 2025


# --- Thousands separators -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "shown"),
    [("de", "92.192,21"), ("en", "92,192.21")],
)
def test_inputs_show_amounts_with_the_languages_separators(language, shown):
    assert input_number(Decimal("92192.21"), language=language) == shown
    assert parse_amount(shown, language=language) == Decimal("92192.21")
    assert input_number(Decimal("0.5"), language=language) == (
        "0,50" if language == "de" else "0.50"
    )
    assert input_number(None, language=language) == ""


def test_the_editor_shows_and_takes_german_separators(officer, project):
    line = budget_line(project, 2026, "sach", "itd", planned=Decimal("92192.21"))
    client = client_for(officer)
    html = client.get(_budget_url(project)).content.decode()
    assert 'name="lines-0-planned" value="92.192,21"' in html
    row = _row("sach", "itd", line_id=line.pk, version=line.version)
    data = budget_formset([{**row, "planned": "92.192,21", "actual": "1.000.000"}], initial=1)
    assert client.post(_budget_url(project), data).status_code == 302
    line.refresh_from_db()
    assert (line.planned, line.actual) == (Decimal("92192.21"), Decimal("1000000"))
    # Without separators too.
    line.refresh_from_db()
    data = budget_formset([{**row, "version": line.version, "planned": "92193,5"}], initial=1)
    assert client.post(_budget_url(project), data).status_code == 302
    line.refresh_from_db()
    assert line.planned == Decimal("92193.50")


def test_the_english_editor_shows_and_takes_english_separators(officer, project):
    line = budget_line(project, 2026, "sach", "itd", planned=Decimal("92192.21"))
    client = _english(officer)
    html = client.get(_budget_url(project)).content.decode()
    assert 'name="lines-0-planned" value="92,192.21"' in html
    data = budget_formset(
        [_row("sach", "itd", line_id=line.pk, version=line.version, planned="1,234,567.89")],
        initial=1,
    )
    assert client.post(_budget_url(project), data).status_code == 302
    line.refresh_from_db()
    assert line.planned == Decimal("1234567.89")


@pytest.mark.parametrize("typed", ["12,345,6", "1.2.3", "1,234.5.6", "zwölf", "1.234,567", "-5"])
def test_bad_english_amounts_are_refused_and_the_grid_comes_back(officer, project, typed):
    data = budget_formset(
        [_row("sach", "itd", planned="1,000"), _row("it-dl", "itd", planned=typed)]
    )
    response = _english(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    assert response.context["formset"][1].errors["planned"]
    html = response.content.decode()
    assert f'name="lines-1-planned" value="{typed}"' in html
    assert 'name="lines-0-planned" value="1,000"' in html
    assert not BudgetLine.objects.exists()


def test_cost_rates_and_programme_budget_show_grouped_amounts(itd):
    client = client_for(itd)
    assert (
        client.post(reverse("projects:programme_budget"), {"amount": "12.345.678,90"}).status_code
        == 302
    )
    html = client.get(reverse("projects:programme_budget")).content.decode()
    assert 'value="12.345.678,90"' in html
    html = _english(itd).get(reverse("projects:programme_budget")).content.decode()
    assert 'value="12,345,678.90"' in html
