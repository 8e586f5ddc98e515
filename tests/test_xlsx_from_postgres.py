"""The budget-lines XLSX whose rows PostgreSQL writes (core.xlsx_stream): every line equal to the
database, numbers as numbers in their formats, text as text (never a formula), the header bold
and frozen, an autofilter, the sum row equal to the SQL sums to the cent, as many rows as the
CSV, and the same cells as XlsxWriter writes (the way SQLite keeps).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db.models import Sum

from core import xlsx_stream
from core.audiences import Actor
from core.tabular import EURO_FORMAT
from projects.exports import budget_lines_queryset, budget_lines_xlsx
from projects.models import BudgetLine, Project
from reports import services, writers
from reports.models import Report, Status

from .factories import ProjectFactory, budget_line

AWKWARD_NOTES = [
    "=1+1",
    '=HYPERLINK("https://example.org","klick")',
    "@x",
    "+49 40 428",
    "-5",
    "<b>Tom & Jerry</b> > 3",
    "  Leerzeichen vorn und hinten  ",
    "Zeile 1\nZeile 2",
    "Glocke\x07 und Escape\x1b weg",
    "_x0041_ bleibt so",
    "Ärger über Straßen: 5 €",
]


def as_held(text: str) -> str:
    """What the file holds of a text: characters XML cannot hold dropped, and "_xHHHH_" with its
    underscore escaped, as XlsxWriter does (ECMA-376's ST_Xstring: Excel reads the text back as
    stored; openpyxl does not unescape, so it shows the escape)."""
    cleaned = text.replace("\x07", "").replace("\x1b", "")
    return re.sub(r"(_x[0-9A-Fa-f]{4}_)", r"_x005F\1", cleaned)


@pytest.fixture
def lines(space, authority):
    """Lines with amounts that add up awkwardly, personnel with FTE, and notes that look like
    formulas, markup or escapes (stored as they are, past the form's checks)."""
    project = ProjectFactory(title="Ampelschaltung", primary_space=space, lead_authority=authority)
    other = ProjectFactory(title="Bildungscloud", primary_space=space, lead_authority=authority)
    budget_line(
        project,
        planned=Decimal("8714521.49"),
        revised=Decimal("8714521.49"),
        actual=Decimal("0.10"),
        einzelplan="09",
    )
    budget_line(
        project,
        category="invest",
        source="bund",
        planned=Decimal("0.20"),
        revised=Decimal("0.20"),
        committed=Decimal("0.30"),
        fte=Decimal("1.50"),
        pay_grade="E 13",
        months=6,
    )
    for n, note in enumerate(AWKWARD_NOTES):
        line = budget_line(
            other,
            category="it-dl",
            description=f"Zeile {n:02}",
            planned=Decimal("100.01") * (n + 1),
            revised=Decimal("100.01"),
        )
        BudgetLine.objects.filter(pk=line.pk).update(note=note)
    return {"project": project, "other": other}


def request(actor: Actor, capture: Any, fmt: str = "xlsx", year: int | None = 2026) -> Report:
    with capture(execute=True):
        report = services.report_request(
            actor=actor,
            kind="lines",
            format=fmt,
            scope="programme",
            fiscal_year=None if year is None else _year(year),
        )
    report.refresh_from_db()
    assert report.status == Status.READY, report.error
    return report


def _year(n: int) -> Any:
    from projects.models import FiscalYear

    return FiscalYear.objects.get(year=n)


def sheet_of(report: Report) -> Any:
    book = openpyxl.load_workbook(Path(report.file.path))
    assert book.sheetnames == ["Budgetzeilen"]
    return book["Budgetzeilen"]


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def no_xlsxwriter(monkeypatch):
    """The XlsxWriter way fails: what is tested is the file PostgreSQL's rows make."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the budget-lines XLSX went the XlsxWriter way")

    monkeypatch.setattr(writers, "XlsxBook", refuse)


def test_every_line_equals_the_database_cell_by_cell(
    itd, lines, no_xlsxwriter, django_capture_on_commit_callbacks
):
    report = request(itd, django_capture_on_commit_callbacks)
    sheet = sheet_of(report)
    rows = list(sheet.iter_rows(min_row=2))
    projects = Project.objects.all()
    expected = list(budget_lines_queryset(itd, projects, year=2026))
    assert len(rows) == len(expected) + 1 == report.rows
    for cells, values in zip(rows, expected, strict=False):
        for cell, value in zip(cells, values, strict=True):
            if value in (None, ""):
                assert cell.value is None, cell.coordinate
            elif isinstance(value, str):
                assert cell.data_type == "s", cell.coordinate  # text, never a formula
                assert cell.value == as_held(value), cell.coordinate
            elif isinstance(value, Decimal):
                assert cell.data_type == "n" and cents(cell.value) == value, cell.coordinate
            else:
                assert cell.data_type == "n" and cell.value == value, cell.coordinate
    notes = [cells[19].value for cells in rows if cells[0].value == "Bildungscloud"]
    assert notes == [as_held(note) for note in AWKWARD_NOTES]
    assert notes[8] == "Glocke und Escape weg" and notes[9] == "_x005F_x0041_ bleibt so"


def test_numbers_are_numbers_in_their_formats_and_text_stays_text(
    itd, lines, no_xlsxwriter, django_capture_on_commit_callbacks
):
    report = request(itd, django_capture_on_commit_callbacks)
    with zipfile.ZipFile(Path(report.file.path)) as package:
        raw = package.read(xlsx_stream.SHEET_PATH)
        assert "xl/sharedStrings.xml" not in package.namelist()  # inline strings only
    assert b"<f>" not in raw  # no formula anywhere
    # Excel keeps leading and trailing blanks only where told to.
    assert b'<t xml:space="preserve">  Leerzeichen vorn und hinten  </t>' in raw
    sheet = sheet_of(report)
    rows = {row[8].value: row for row in sheet.iter_rows(min_row=2) if row[8].value}
    personnel = next(row for row in sheet.iter_rows(min_row=2) if row[12].value is not None)
    assert personnel[12].value == 1.5 and personnel[12].number_format == "0.00"  # VZÄ
    assert personnel[14].value == 6 and isinstance(personnel[14].value, int)  # Monate
    assert personnel[4].value == 2026 and isinstance(personnel[4].value, int)  # Haushaltsjahr
    first = next(row for row in sheet.iter_rows(min_row=2) if row[15].value == 8714521.49)
    # No float noise: the cell holds 8714521.49, not 8714521.48999999.
    assert repr(first[15].value) == "8714521.49"
    for cell in first[15:19]:
        assert cell.number_format == EURO_FORMAT and cell.data_type == "n"
    formula = rows["Zeile 00"][19]
    assert formula.value == "=1+1" and formula.data_type == "s"
    link = rows["Zeile 01"][19]
    assert link.value.startswith("=HYPERLINK(") and link.data_type == "s"
    assert rows["Zeile 02"][19].value == "@x"
    assert rows["Zeile 06"][19].value == "  Leerzeichen vorn und hinten  "
    assert rows["Zeile 07"][19].value == "Zeile 1\nZeile 2"


def test_the_header_is_bold_frozen_filtered_and_the_columns_fit(
    itd, lines, no_xlsxwriter, django_capture_on_commit_callbacks
):
    sheet = sheet_of(request(itd, django_capture_on_commit_callbacks))
    header = list(sheet[1])
    assert header[0].value == "Projekt" and header[12].value == "VZÄ"
    assert all(cell.font.b for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.sheet_view.pane.state == "frozen" and sheet.sheet_view.pane.ySplit == 1
    assert sheet.auto_filter.ref == f"A1:T{sheet.max_row}"
    assert sheet.column_dimensions["A"].width >= len("Ampelschaltung")
    assert sheet.column_dimensions["P"].width >= len("8,714,521.49 €")
    assert sheet.column_dimensions["T"].width <= xlsx_stream.MAX_WIDTH + 1


def test_the_sum_row_is_bold_and_equals_the_sql_sums_to_the_cent(
    itd, lines, no_xlsxwriter, django_capture_on_commit_callbacks
):
    sheet = sheet_of(request(itd, django_capture_on_commit_callbacks))
    last = list(sheet.iter_rows(min_row=sheet.max_row))[0]
    assert last[0].value == "Summe" and last[0].font.b
    sums = BudgetLine.objects.filter(fiscal_year__year=2026).aggregate(
        *(Sum(name) for name in ("planned", "revised", "committed", "actual"))
    )
    assert [cents(cell.value) for cell in last[15:19]] == list(sums.values())
    assert all(cell.font.b and cell.number_format == EURO_FORMAT for cell in last[15:19])
    lines_total = sum(
        (cents(row[15].value) for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1)),
        Decimal(0),
    )
    assert lines_total == cents(last[15].value)


def test_as_many_rows_as_the_csv_of_the_same_report(
    itd, lines, no_xlsxwriter, django_capture_on_commit_callbacks
):
    xlsx = request(itd, django_capture_on_commit_callbacks, year=None)
    data = request(itd, django_capture_on_commit_callbacks, fmt="csv", year=None)
    text = Path(data.file.path).read_text(encoding="utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    sheet = sheet_of(xlsx)
    assert sheet.max_row == len(csv_rows) == xlsx.rows + 1 == data.rows + 1
    assert [cell.value for cell in sheet[sheet.max_row]][0] == csv_rows[-1][0] == "Summe"


def test_the_same_cells_as_the_xlsxwriter_way(
    itd, lines, monkeypatch, django_capture_on_commit_callbacks
):
    """The file PostgreSQL's rows make holds what XlsxWriter's (SQLite's way) holds: values
    (with "_xHHHH_" escaped alike), types, formats, bold and widths."""
    ours = sheet_of(request(itd, django_capture_on_commit_callbacks))

    class SQLite:
        vendor = "sqlite"

    monkeypatch.setattr(writers, "connection", SQLite())
    theirs = sheet_of(request(itd, django_capture_on_commit_callbacks))
    assert ours.max_row == theirs.max_row
    for mine, other in zip(ours.iter_rows(), theirs.iter_rows(), strict=True):
        for a, b in zip(mine, other, strict=True):
            if b.value in (None, ""):
                assert a.value is None, a.coordinate
                continue
            assert (a.value, a.data_type, a.number_format, a.font.b) == (
                b.value,
                b.data_type,
                b.number_format,
                b.font.b,
            ), a.coordinate
    for letter in "ABCDEFGHIJKLMNOPQRST":
        assert ours.column_dimensions[letter].width == pytest.approx(
            theirs.column_dimensions[letter].width, abs=0.01
        )


def test_a_year_without_lines_is_the_header_and_a_zero_sum(
    itd, lines, no_xlsxwriter, django_capture_on_commit_callbacks
):
    sheet = sheet_of(request(itd, django_capture_on_commit_callbacks, year=2025))
    assert sheet.max_row == 2
    assert [cell.value for cell in sheet[2]][15:19] == [0, 0, 0, 0]
    assert sheet.auto_filter.ref == "A1:T2"


def test_progress_advances_while_the_rows_are_written(itd, lines, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_stream, "CHUNK", 1)  # a chunk, and a count, per row
    told: list[int] = []
    rows = budget_lines_xlsx(
        tmp_path / "lines.xlsx", itd, Project.objects.all(), year=2026, progress=told.append
    )
    assert told and told == sorted(told)
    assert told[-1] == rows - 1  # every line, told by the time the file is written
