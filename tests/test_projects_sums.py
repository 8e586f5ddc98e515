"""Sums on pages and in exports equal the sums of the lines, to the cent; German formats."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal

import pytest
from django.urls import reverse

from core.templatetags.portal import euro
from projects.models import BudgetLine, Milestone
from projects.selectors.cockpit import cockpit

from .conftest import client_for
from .factories import ProjectFactory, budget_line

CATEGORIES = ("personal", "sach", "it-dl", "invest", "gemein")
SOURCES = ("itd", "eigen", "bund", "eu")


@pytest.fixture
def portfolio(space, authority):
    """Twelve projects with lines in odd cents over three years; a few over budget."""
    rng = random.Random(7)
    projects = []
    for i in range(12):
        project = ProjectFactory(slug=f"summe-{i}", primary_space=space, lead_authority=authority)
        for year in (2025, 2026, 2027):
            for category in rng.sample(CATEGORIES, 2):
                revised = Decimal(rng.randrange(1, 10_000_000)) / 100
                budget_line(
                    project,
                    year,
                    category,
                    rng.choice(SOURCES),
                    planned=Decimal(rng.randrange(1, 10_000_000)) / 100,
                    revised=revised,
                    committed=Decimal(rng.randrange(0, 100_000)) / 100,
                    actual=revised + Decimal("0.01") if i % 5 == 0 else revised / 2,
                )
        projects.append(project)
    return projects


def _line_sums(**filters) -> dict[str, Decimal]:
    sums = {name: Decimal("0") for name in ("planned", "revised", "committed", "actual")}
    for line in BudgetLine.objects.filter(**filters):
        for name in sums:
            sums[name] += getattr(line, name)
    return sums


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _de(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def test_portfolio_page_total_equals_the_lines(itd, portfolio):
    sums = _line_sums()
    body = client_for(itd).get(reverse("projects:list")).content.decode()
    for value in sums.values():
        assert euro(value) in body
    body_2026 = client_for(itd).get(reverse("projects:list") + "?year=2026").content.decode()
    for value in _line_sums(fiscal_year__year=2026).values():
        assert euro(value) in body_2026


def test_project_page_totals_equal_the_lines(itd, portfolio):
    project = portfolio[3]
    body = client_for(itd).get(project.get_absolute_url()).content.decode()
    for value in _line_sums(project=project).values():
        assert euro(value) in body
    for year in (2025, 2026, 2027):
        for value in _line_sums(project=project, fiscal_year__year=year).values():
            assert euro(value) in body


def test_budget_export_csv_sum_row_equals_the_lines_and_uses_a_decimal_comma(itd, portfolio):
    rows = _csv(client_for(itd).get(reverse("projects:budget_export", kwargs={"fmt": "csv"})))
    header, lines, total = rows[0], rows[1:-1], rows[-1]
    assert len(lines) == BudgetLine.objects.count()
    plan = header.index("Plan")
    sums = _line_sums()
    for offset, name in enumerate(("planned", "revised", "committed", "actual")):
        column = [Decimal(r[plan + offset].replace(",", ".")) for r in lines]
        assert sum(column) == sums[name]
        assert total[plan + offset] == _de(sums[name])
    assert all("." not in r[plan] for r in lines)


def test_portfolio_export_csv_sum_row_equals_the_lines(itd, portfolio):
    rows = _csv(client_for(itd).get(reverse("projects:export", kwargs={"fmt": "csv"})))
    header, total = rows[0], rows[-1]
    plan = header.index("Plan")
    sums = _line_sums()
    assert total[plan] == _de(sums["planned"])
    assert total[plan + 3] == _de(sums["actual"])
    assert len(rows) == len(portfolio) + 2
    # Dates in German format.
    assert rows[1][header.index("Beginn")] == "01.01.2025"


def _check_money_sheet(sheet) -> None:
    rows = list(sheet.iter_rows(values_only=False))
    header = [c.value for c in rows[0]]
    plan = header.index("Plan")
    cells = [r[plan] for r in rows[1:-1]]
    assert cells and all(isinstance(c.value, int | float) for c in cells)
    assert all("€" in c.number_format for c in cells)
    total = rows[-1][plan].value
    assert Decimal(str(total)).quantize(Decimal("0.01")) == _line_sums()["planned"]


def test_xlsx_exports_hold_numbers_with_a_euro_format_and_the_same_sums(
    itd, portfolio, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    from reports.services import report_request

    # The portfolio comes at once ...
    response = client_for(itd).get(reverse("projects:export", kwargs={"fmt": "xlsx"}))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    _check_money_sheet(load_workbook(io.BytesIO(response.content)).active)
    # ... the budget lines as a report in the background (they can be 100,000).
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(actor=itd, kind="lines", format="xlsx", scope="programme")
    report.refresh_from_db()
    _check_money_sheet(load_workbook(report.file.path).active)


def test_cockpit_totals_equal_the_lines_and_flag_over_budget_projects(itd, portfolio):
    data = cockpit(itd)
    sums = _line_sums()
    assert data.total.planned == sums["planned"]
    assert data.total.actual == sums["actual"]
    by_year = {row.label: row.figures for row in data.years}
    assert by_year["2026"].revised == _line_sums(fiscal_year__year=2026)["revised"]
    flagged = {row.project["project__slug"] for row in data.over_budget}
    assert flagged == {"summe-0", "summe-5", "summe-10"}
    page = client_for(itd).get(reverse("dashboard")).content.decode()
    assert "Strategie-Cockpit" in page
    assert 'role="img"' in page
    assert euro(sums["actual"]) in page


def test_cockpit_is_scoped_for_officers_and_absent_for_members(
    officer, member, portfolio, other_space
):
    from contacts.models import Authority

    foreign = ProjectFactory(
        slug="fremd", primary_space=other_space, lead_authority=Authority.objects.get(code="BKM")
    )
    budget_line(foreign, 2026, planned=Decimal("5"))
    assert cockpit(member) is None
    data = cockpit(officer)
    assert data.project_count == len(portfolio)
    assert data.total.planned == _line_sums(project__in=portfolio)["planned"]
    assert "Strategie-Cockpit" not in client_for(member).get(reverse("dashboard")).content.decode()


def test_cockpit_lists_overdue_milestones(coordinator, portfolio):
    Milestone.objects.create(project=portfolio[0], title="Verspätet", due="2020-01-01")
    Milestone.objects.create(
        project=portfolio[0], title="Erledigt", due="2020-01-01", done="2020-02-01"
    )
    data = cockpit(coordinator)
    assert [m.title for m in data.overdue] == ["Verspätet"]
    assert data.overdue_count == 1
