"""Every figure proved: each amount a page or a file shows equals a SUM over the budget lines in
SQL (tests/figures.py), row by row: per project, per year, per space and authority, and totals.

The data has several projects, spaces, authorities, years, cost categories and funding sources,
amounts with cents, and years whose available amount is negative. Rows are found by `data-`
attributes (a project's slug, a year, a line's key), never by where a number happens to appear.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from contacts.models import Authority
from core import pdf
from projects.models import BudgetLine, CostCategory, FiscalYear, FundingSource, Project
from reports import services as report_services
from reports.models import Status
from spaces.models import Space

from . import figures as fig
from .conftest import client_for
from .factories import ProjectFactory

D = Decimal
YEARS = (2025, 2026, 2027)
# Over budget in a year: actual or committed above the year's revised plan, in SQL.
OVER = "SUM(l.actual) > SUM(l.revised) OR SUM(l.committed) > SUM(l.revised)"


def _line(project: Project, year: int, category: str, source: str, note: str, *amounts: str):
    """One budget line; each has its own note, so no test leans on (year, category, source)
    being unique to a project."""
    planned, revised, committed, actual = (D(a) for a in amounts)
    return BudgetLine.objects.create(
        project=project,
        fiscal_year=FiscalYear.objects.get(year=year),
        category=CostCategory.objects.get(code=category),
        funding_source=FundingSource.objects.get(code=source),
        note=note,
        planned=planned,
        revised=revised,
        committed=committed,
        actual=actual,
    )


@pytest.fixture
def known(space, other_space, authority):
    """Five projects in three spaces, led by four authorities; two over budget in 2026 (one by
    its actual, one by what is committed), and in other years; one without any line."""
    city = Space.objects.get(slug="urbanes-leben")
    bukea, fb, bkm = (Authority.objects.get(code=c) for c in ("BUKEA", "FB", "BKM"))
    ampel = ProjectFactory(
        title="Ampelnetz Nord", slug="ampelnetz", primary_space=space, lead_authority=authority
    )
    _line(ampel, 2025, "sach", "itd", "A-25-sach", "120000.10", "118500.55", "0", "117999.99")
    _line(ampel, 2026, "personal", "itd", "A-26-pers", "250000.00", "245000.50", "12345.67",
          "297905.08")  # fmt: skip
    _line(ampel, 2026, "invest", "eu", "A-26-inv", "30000.33", "30000.33", "0", "1.01")
    _line(ampel, 2027, "it-dl", "bund", "A-27-itdl", "5000.00", "5000.00", "0", "0")
    cloud = ProjectFactory(
        title="Bildungscloud Süd", slug="bildungscloud", primary_space=other_space,
        lead_authority=fb,
    )  # fmt: skip
    _line(cloud, 2026, "sach", "eigen", "B-26-sach", "1234.56", "1300.01", "1500.00", "0.99")
    _line(cloud, 2026, "it-dl", "itd", "B-26-itdl", "99.99", "99.99", "0", "99.98")
    _line(cloud, 2025, "gemein", "eigen", "B-25-gem", "0.01", "0.02", "0.03", "0")
    carsharing = ProjectFactory(
        title="Carsharing West", slug="carsharing", primary_space=space, lead_authority=bukea
    )
    carsharing.participating_authorities.add(authority)
    _line(carsharing, 2025, "gemein", "eigen", "C-25-gem", "7777.77", "7777.77", "1111.11",
          "2222.22")  # fmt: skip
    _line(carsharing, 2026, "sach", "bund", "C-26-sach", "15000.50", "16000.75", "3000.25",
          "4000.40")  # fmt: skip
    _line(carsharing, 2026, "personal", "itd", "C-26-pers", "88000.00", "90000.00", "0",
          "45000.45")  # fmt: skip
    daten = ProjectFactory(
        title="Datenplattform Ost", slug="datenplattform", primary_space=city, lead_authority=bkm,
        visibility="public",
    )  # fmt: skip
    _line(daten, 2027, "it-dl", "itd", "D-27-itdl", "1000000.00", "999999.99", "500000.00",
          "1000000.01")  # fmt: skip
    _line(daten, 2026, "sach", "eu", "D-26-sach", "0.99", "0.99", "0", "0.99")
    empty = ProjectFactory(
        title="Elbe ohne Budget", slug="ohne-budget", primary_space=space, lead_authority=authority
    )
    return {
        "ampel": ampel,
        "cloud": cloud,
        "carsharing": carsharing,
        "daten": daten,
        "empty": empty,
    }


def _english(client: Any) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch in the header
    return client


# --- The strategy cockpit (the dashboard of ITD and of coordinators and officers) --------------


def _over_plan(where: str = "TRUE", params: tuple[Any, ...] = ()) -> dict[str, dict[str, D]]:
    """{"slug/year": sums} for each project and year over budget, summed in SQL."""
    return fig.line_sums("p.slug || '/' || y.year", where, params, having=OVER)


def _key(row: fig.Node) -> str:
    return f"{row.attrs['data-project']}/{row.attrs['data-year']}"


def test_the_over_plan_table_shows_each_projects_figures_of_the_year(itd, known):
    over = _over_plan()
    assert set(over) == {
        "ampelnetz/2026",
        "bildungscloud/2025",
        "bildungscloud/2026",
        "datenplattform/2027",
    }
    assert over["ampelnetz/2026"]["actual"] == D("297906.09")  # the data is what it says
    assert over["ampelnetz/2026"]["available"] < 0
    response = client_for(itd).get(reverse("dashboard"))
    table = fig.section(response, "section", aria_labelledby="cockpit-over")
    rows = table.find_all("tr", data_project=True)
    assert sorted(_key(r) for r in rows) == sorted(over)
    for row in rows:
        assert fig.figures_of(row) == over[_key(row)], _key(row)


def test_the_cockpits_years_and_total_equal_the_lines(itd, known):
    response = client_for(itd).get(reverse("dashboard"))
    table = fig.section(response, "section", aria_labelledby="cockpit-years")
    by_year = fig.line_sums("y.year")
    rows = table.find_all("tr", data_year=True)
    assert [int(r.attrs["data-year"]) for r in rows] == sorted(by_year) == list(YEARS)
    for row in rows:
        assert fig.figures_of(row) == by_year[int(row.attrs["data-year"])]
    assert fig.figures_of(table.one("tr", data_row="total")) == fig.total()
    # The chart above the table names each bar's amount (its tooltip and accessible name).
    chart = table.one("figure", aria_labelledby="year-chart-caption")
    bars = {}
    for bar in chart.find_all("rect"):
        label, _colon, shown = bar.one("title").text().partition(": ")
        bars[label] = fig.amount(shown, spoken=False)
    assert bars == {
        f"{year} {name}": sums[key]
        for year, sums in by_year.items()
        for name, key in (("Plan", "planned"), ("Ist", "actual"))
    }


def test_the_cockpits_rollups_by_space_and_authority_equal_the_lines(itd, known):
    response = client_for(itd).get(reverse("dashboard"))
    rollups = fig.section(response, "section", aria_labelledby="cockpit-rollups")
    spaces = {s.pk: s.name for s in Space.objects.all()}
    by_space = {spaces[k]: v for k, v in fig.line_sums("p.primary_space_id").items()}
    table = rollups.one(data_rollup="space")
    rows = table.find_all("tr", data_label=True)
    assert {r.attrs["data-label"] for r in rows} == set(by_space) and len(by_space) == 3
    for row in rows:
        assert fig.figures_of(row) == by_space[row.attrs["data-label"]]
    names = {a.pk: f"{a.name} ({a.code})" for a in Authority.objects.all()}
    by_authority = {names[k]: v for k, v in fig.line_sums("p.lead_authority_id").items()}
    table = rollups.one(data_rollup="authority")
    rows = table.find_all("tr", data_label=True)
    assert {r.attrs["data-label"] for r in rows} == set(by_authority) and len(by_authority) == 4
    for row in rows:
        assert fig.figures_of(row) == by_authority[row.attrs["data-label"]]


def test_the_cockpits_programme_rows_equal_the_lines_of_the_programme_sources(itd, known):
    response = client_for(itd).get(reverse("dashboard"))
    table = fig.section(response, "section", aria_labelledby="cockpit-programme")
    budget = fig.programme_budget()
    programme = fig.total("s.is_programme")
    # Measured against the programme budget, not the revised plan.
    programme["available"] = budget - programme["committed"] - programme["actual"]
    row = table.one("tr", data_row="programme")
    assert fig.amount(row.one(data_figure="programme-budget").text()) == budget
    assert fig.figures_of(row) == programme
    assert fig.figures_of(table.one("tr", data_row="all-sources")) == fig.total()


@pytest.mark.parametrize("language", ["de", "en"])
def test_an_officers_cockpit_holds_the_sums_of_their_authoritys_projects(
    officer, authority, known, language
):
    """The officer of BVM steers the projects BVM leads or takes part in."""
    through = Project.participating_authorities.through._meta.db_table
    steered = (
        "(p.lead_authority_id = %s OR EXISTS (SELECT 1 FROM "  # noqa: S608 - a table name
        f'"{through}" pa WHERE pa.project_id = p.id AND pa.authority_id = %s))'
    )
    params = (authority.pk, authority.pk)
    client = client_for(officer)
    if language == "en":
        _english(client)
    response = client.get(reverse("dashboard"))
    years = fig.section(response, "section", aria_labelledby="cockpit-years")
    by_year = fig.line_sums("y.year", steered, params)
    rows = years.find_all("tr", data_year=True)
    assert [int(r.attrs["data-year"]) for r in rows] == sorted(by_year)
    for row in rows:
        assert fig.figures_of(row, language) == by_year[int(row.attrs["data-year"])]
    assert fig.figures_of(years.one("tr", data_row="total"), language) == fig.total(steered, params)
    over = _over_plan(steered, params)
    assert set(over) == {"ampelnetz/2026"}
    table = fig.section(response, "section", aria_labelledby="cockpit-over")
    rows = table.find_all("tr", data_project=True)
    assert [_key(r) for r in rows] == list(over)
    assert fig.figures_of(rows[0], language) == over["ampelnetz/2026"]


# --- The portfolio ----------------------------------------------------------------------------


@pytest.mark.parametrize("year", [None, 2026])
def test_each_portfolio_row_and_the_total_equal_the_lines(itd, known, year):
    url = reverse("projects:list") + (f"?year={year}" if year else "")
    page = fig.page(client_for(itd).get(url))
    where, params = ("y.year = %s", (year,)) if year else ("TRUE", ())
    by_project = fig.line_sums("p.slug", where, params)
    rows = page.find_all("tr", data_project=True)
    shown = {r.attrs["data-project"] for r in rows}
    assert shown == {p.slug for p in known.values()}
    zero = dict.fromkeys(fig.FIGURES, D("0.00"))
    for row in rows:
        slug = row.attrs["data-project"]
        assert fig.figures_of(row) == by_project.get(slug, zero), slug
    assert fig.figures_of(page.one("tr", data_row="total")) == fig.total(where, params)


def test_the_portfolio_in_english_shows_the_same_sums_in_english_notation(itd, known):
    page = fig.page(_english(client_for(itd)).get(reverse("projects:list")))
    assert page.one("html").attrs["lang"] == "en"
    by_project = fig.line_sums("p.slug")
    row = page.one("tr", data_project="ampelnetz")
    assert fig.figures_of(row, "en") == by_project["ampelnetz"]
    assert "€" in row.one(data_figure="available").text()
    assert fig.figures_of(page.one("tr", data_row="total"), "en") == fig.total()


# --- The project page ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ampel", "cloud", "carsharing", "daten"])
def test_the_project_page_shows_each_line_each_year_and_all_years(itd, known, name):
    project = known[name]
    response = client_for(itd).get(project.get_absolute_url())
    budget = fig.section(response, "section", aria_labelledby="budget")
    mine, params = "p.id = %s", (project.pk,)
    by_line = fig.line_sums("l.id", mine, params)
    by_year = fig.line_sums("y.year", mine, params)
    assert by_line and by_year
    rows = budget.find_all("tr", data_line=True)
    assert sorted(int(r.attrs["data-line"]) for r in rows) == sorted(by_line)
    for row in rows:
        assert fig.figures_of(row) == by_line[int(row.attrs["data-line"])]
    for year, sums in by_year.items():
        table = budget.one(id=f"budget-{year}")
        assert fig.figures_of(table.one("tr", data_row="total")) == sums, year
    assert fig.figures_of(budget.one("tr", data_row="all-years")) == fig.total(mine, params)


# --- The landing page ---------------------------------------------------------------------------


def test_the_landing_page_publishes_the_programme_sums(known):
    response = client_for(None).get("/")
    published = fig.section(response, "dl", id="published-figures")
    programme = fig.total("s.is_programme")
    assert fig.amount(published.one(data_figure="programme-budget").text()) == (
        fig.programme_budget()
    )
    assert fig.amount(published.one(data_figure="revised").text()) == programme["revised"]
    assert fig.amount(published.one(data_figure="actual").text()) == programme["actual"]


# --- Reports: the budget report of 2026 as XLSX, CSV and PDF ------------------------------------


def _report(itd: Any, capture: Any, format: str) -> Path:
    with capture(execute=True):
        report = report_services.report_request(
            actor=itd,
            kind="budget",
            format=format,
            scope="programme",
            fiscal_year=FiscalYear.objects.get(year=2026),
        )
    report.refresh_from_db()
    assert report.status == Status.READY, report.error
    return Path(report.file.path)


def _cells(values: Any) -> dict[str, D]:
    """Five figure cells of a sheet or CSV row (numbers or German decimal text)."""
    found = [D(str(v).replace(",", ".")).quantize(D("0.01")) for v in values]
    return dict(zip(fig.FIGURES, found, strict=True))


def _expected_2026() -> dict[str, dict[Any, dict[str, D]]]:
    """The budget report's views of 2026, summed in SQL and named as the report names them."""
    in_2026 = ("y.year = %s", (2026,))
    spaces = {s.pk: s.name for s in Space.objects.all()}
    authorities = {a.pk: f"{a.name} ({a.code})" for a in Authority.objects.all()}
    return {
        "Je Raum": {spaces[k]: v for k, v in fig.line_sums("p.primary_space_id", *in_2026).items()},
        "Je Behörde": {
            authorities[k]: v for k, v in fig.line_sums("p.lead_authority_id", *in_2026).items()
        },
        "Je Projekt und Kostenart": fig.line_sums("p.slug || '/' || c.name", *in_2026),
    }


def test_the_budget_report_xlsx_states_each_row_as_the_lines_sum(
    itd, known, django_capture_on_commit_callbacks
):
    book = openpyxl.load_workbook(_report(itd, django_capture_on_commit_callbacks, "xlsx"))
    expected = _expected_2026()
    total = fig.total("y.year = %s", (2026,))
    for sheet in ("Je Raum", "Je Behörde"):
        rows = list(book[sheet].iter_rows(min_row=2, values_only=True))
        *body, last = rows
        assert {r[0]: _cells(r[1:6]) for r in body} == expected[sheet], sheet
        assert last[0] == "Summe" and _cells(last[1:6]) == total
    *body, last = list(book["Je Projekt und Kostenart"].iter_rows(min_row=2, values_only=True))
    shown = {f"{r[1]}/{r[4]}": _cells(r[5:10]) for r in body}
    assert shown == expected["Je Projekt und Kostenart"]
    assert _cells(last[5:10]) == total
    overview = {r[0]: r for r in book["Übersicht"].iter_rows(values_only=True)}
    assert _cells(overview["Summe des Umfangs"][2:7]) == total
    in_year = fig.total("y.year = %s AND s.is_programme", (2026,))
    assert _cells(overview["ITD-Strategiebudget in diesem Jahr"][2:7]) == in_year
    every_year = fig.total("s.is_programme")
    budget = fig.programme_budget()
    every_year["available"] = budget - every_year["committed"] - every_year["actual"]
    assert _cells(overview["ITD-Strategiebudget, alle Jahre"][2:7]) == every_year


def test_the_budget_report_csv_states_each_row_as_the_lines_sum(
    itd, known, django_capture_on_commit_callbacks
):
    raw = _report(itd, django_capture_on_commit_callbacks, "csv").read_text("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    plan = header.index("Plan")
    expected = _expected_2026()
    total = fig.total("y.year = %s", (2026,))
    for view in ("Je Raum", "Je Behörde"):
        mine = [r for r in rows if r[0] == view]
        body = {r[1]: _cells(r[plan : plan + 5]) for r in mine if r[1] != "Summe"}
        assert body == expected[view], view
        assert [_cells(r[plan : plan + 5]) for r in mine if r[1] == "Summe"] == [total]
    view = "Je Projekt und Kostenart"
    mine = [r for r in rows if r[0] == view]
    body = {f"{r[2]}/{r[5]}": _cells(r[plan : plan + 5]) for r in mine if r[1] != "Summe"}
    assert body == expected[view]
    assert [_cells(r[plan : plan + 5]) for r in mine if r[1] == "Summe"] == [total]


def test_the_budget_report_pdf_states_each_row_as_the_lines_sum(
    itd, known, django_capture_on_commit_callbacks
):
    if pdf.missing():
        pytest.skip(pdf.missing())
    rows = _pdf_rows(_report(itd, django_capture_on_commit_callbacks, "pdf"))

    def figures(amounts: list[D]) -> dict[str, D]:
        return dict(zip(fig.FIGURES, amounts, strict=True))

    expected = _expected_2026()
    for view in ("Je Raum", "Je Behörde"):
        for name, sums in expected[view].items():
            assert [figures(a) for a in rows.pop(name)] == [sums], name
    spaces = {s.pk: s.name for s in Space.objects.all()}
    codes = dict(Authority.objects.values_list("pk", "code"))
    titles = {p.slug: p for p in known.values()}
    for key, sums in expected["Je Projekt und Kostenart"].items():
        slug, category = key.split("/")
        project = titles[slug]
        name = " ".join(
            (project.title, spaces[project.primary_space_id], codes[project.lead_authority_id])
        )
        assert [figures(a) for a in rows.pop(f"{name} {category}")] == [sums], key
    total = fig.total("y.year = %s", (2026,))
    assert [figures(a) for a in rows.pop("Summe des Umfangs")] == [total]
    assert [figures(a) for a in rows.pop("Summe")] == [total] * 3  # under each table
    in_year = fig.total("y.year = %s AND s.is_programme", (2026,))
    assert [figures(a) for a in rows.pop("ITD-Strategiebudget in diesem Jahr")] == [in_year]
    every_year = fig.total("s.is_programme")
    budget = fig.programme_budget()
    every_year["available"] = budget - every_year["committed"] - every_year["actual"]
    [(stated, *amounts)] = rows.pop(
        "ITD-Strategiebudget, alle Jahre (Programmbudget der Strategie:"
    )
    assert stated == budget and figures(amounts) == every_year
    assert not rows, f"amounts in the PDF this test did not check: {rows}"


def _pdf_rows(path: Path) -> dict[str, list[list[D]]]:
    """{label: [amounts of each line so labelled]}: each table row of the PDF is one line of
    text, its label and then its amounts."""
    rows: dict[str, list[list[D]]] = {}
    for page in PdfReader(path).pages:
        for line in page.extract_text().splitlines():
            amounts = fig.amounts_in(line)
            if amounts:
                label = fig.AMOUNT_ANYWHERE.split(line, maxsplit=1)[0].strip()
                rows.setdefault(label, []).append(amounts)
    return rows


def test_the_portfolio_report_pdf_states_each_over_plan_year_as_the_lines_sum(
    itd, known, django_capture_on_commit_callbacks
):
    if pdf.missing():
        pytest.skip(pdf.missing())
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            actor=itd, kind="portfolio", format="pdf", scope="programme"
        )
    report.refresh_from_db()
    assert report.status == Status.READY, report.error
    rows = _pdf_rows(Path(report.file.path))
    over = fig.line_sums("p.title || ' ' || y.year", having=OVER)
    assert len(over) == 4
    for label, sums in over.items():
        assert [dict(zip(fig.FIGURES, a, strict=True)) for a in rows.pop(label)] == [sums], label
    # The table under the chart of plan and actual per fiscal year (issue 22: its data).
    years = fig.line_sums("y.year")
    assert len(years) == 3
    for year, sums in years.items():
        assert rows.pop(str(year)) == [[sums["planned"], sums["actual"]]], year
    assert not rows, f"amounts in the PDF this test did not check: {rows}"


# --- The portfolio's and the budget lines' exports (they come at once, from the list) -----------


def _csv_rows(response: Any) -> tuple[list[str], list[list[str]]]:
    assert response.status_code == 200, response.status_code
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return header, rows


def test_each_row_of_the_portfolio_export_equals_the_lines(itd, known):
    header, rows = _csv_rows(client_for(itd).get(reverse("projects:export", kwargs={"fmt": "csv"})))
    slug, plan = header.index("Kurzname"), header.index("Plan")
    *body, last = rows
    by_project = fig.line_sums("p.slug")
    zero = dict.fromkeys(fig.FIGURES, D("0.00"))
    assert {r[slug]: _cells(r[plan : plan + 5]) for r in body} == {
        p.slug: by_project.get(p.slug, zero) for p in known.values()
    }
    assert last[0] == "Summe (sichtbare Budgets)" and _cells(last[plan : plan + 5]) == fig.total()
    response = client_for(itd).get(reverse("projects:export", kwargs={"fmt": "xlsx"}))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    *body, last = rows
    slug, plan = header.index("Kurzname"), header.index("Plan")
    assert {r[slug]: _cells(r[plan : plan + 5]) for r in body} == {
        p.slug: by_project.get(p.slug, zero) for p in known.values()
    }
    assert _cells(last[plan : plan + 5]) == fig.total()


def test_each_line_of_the_budget_lines_export_equals_its_line(itd, known):
    header, rows = _csv_rows(
        client_for(itd).get(reverse("projects:budget_export", kwargs={"fmt": "csv"}))
    )
    note, plan = header.index("Bemerkung"), header.index("Plan")
    *body, last = rows
    by_note = {k: {n: v[n] for n in fig.AMOUNTS} for k, v in fig.line_sums("l.note").items()}
    shown = {
        r[note]: dict(zip(fig.AMOUNTS, _amounts(r[plan : plan + 4]), strict=True)) for r in body
    }
    assert shown == by_note and len(body) == 12
    total = fig.total()
    assert _amounts(last[plan : plan + 4]) == [total[n] for n in fig.AMOUNTS]


def _amounts(values: Any) -> list[D]:
    return [D(str(v).replace(",", ".")).quantize(D("0.01")) for v in values]


def test_figures_from_a_row_without_the_named_amounts_raise():
    """A wrong prefix once made the over-plan table show 0,00 € everywhere: now it raises."""
    from projects.selectors.money import Figures

    row = {"planned": D("1.00"), "revised": D("2.00"), "committed": None, "actual": D("3.00")}
    assert Figures.from_row(row).committed == D("0.00")
    with pytest.raises(KeyError, match="s_planned"):
        Figures.from_row(row, prefix="s_")


def test_amounts_are_read_only_in_the_languages_notation():
    assert fig.amount("1.234,56\u00a0€") == D("1234.56")
    assert fig.amount("negativ \u22121.234,56\u00a0€") == D("-1234.56")
    assert fig.amount("negative \u2212€1,234.56", "en") == D("-1234.56")
    for text, language in [
        ("€1,234.56", "de"),  # English notation on a German page
        ("1.234,56\u00a0€", "en"),
        ("1234,56\u00a0€", "de"),  # no thousands separator
        ("\u22121.234,56\u00a0€", "de"),  # negative without the word screen readers read
        ("-1.234,56\u00a0€", "de"),  # a hyphen, not a minus sign
    ]:
        with pytest.raises(AssertionError):
            fig.amount(text, language)


def test_a_missing_section_raises_naming_it_and_the_status(known):
    response = client_for(None).get(reverse("dashboard"))  # a visitor: sent to sign in
    with pytest.raises(AssertionError, match=r"aria-labelledby.*cockpit-over.*status 302"):
        fig.section(response, "section", aria_labelledby="cockpit-over")
