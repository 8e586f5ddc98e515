"""Exports of the portfolio and of budget lines as CSV (German Excel) and XLSX.

Both contain exactly what the requester may see: the rows of the filtered portfolio from the same
scoped queryset as the page, and budget figures only of projects whose budget the requester may
see (guests and anonymous visitors get no budget column at all).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, NamedStyle

from core.text import strip_control_chars

from . import permissions
from .models import Project
from .selectors.money import AMOUNTS, ZERO, portfolio_totals, visible_lines, with_budget

EURO_FORMAT = '#,##0.00 "€"'
# kind -> (file name, sheet name)
NAMES = {
    "budget": ("budgetzeilen", gettext_lazy("Budgetzeilen")),
    "portfolio": ("portfolio", gettext_lazy("Portfolio")),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Money(Decimal):
    """Marks a cell as euros (formatted as such in XLSX)."""


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    text = strip_control_chars(str(value))
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


class _Line:
    """csv.writer's file: hands back each written line instead of keeping it."""

    def write(self, text: str) -> str:
        return text


ROWS_PER_CHUNK = 500


def csv_chunks(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The CSV as UTF-8 chunks of a few hundred rows: BOM (Excel then reads UTF-8), `;`."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([_csv_cell(v) for v in row]))
        if len(chunk) == ROWS_PER_CHUNK:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


class StreamedCSV(StreamingHttpResponse):
    """A CSV sent while it is read from the database (a server-side cursor), in constant
    memory. `content` reads the rest of the stream at once, for code that wants the whole."""

    @property
    def content(self) -> bytes:
        return b"".join(self.streaming_content)


def _in_language(language: str | None, chunks: Iterator[bytes]) -> Iterator[bytes]:
    # The rows are written after the view has returned: in the language of the request.
    with translation.override(language):
        yield from chunks


def render_csv(header: list[str], rows: Iterable[list[Any]], filename: str) -> StreamedCSV:
    response = StreamedCSV(
        _in_language(translation.get_language(), csv_chunks(header, rows)),
        content_type=CONTENT_TYPES["csv"],
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def render_xlsx(
    header: list[str], rows: Iterable[list[Any]], filename: str, sheet: str
) -> HttpResponse:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    bold = Font(bold=True)
    head = []
    for title in header:
        cell = WriteOnlyCell(worksheet, value=title)
        cell.font = bold
        head.append(cell)
    worksheet.append(head)
    # Only money and dates need a styled cell; everything else goes in as a plain value, which
    # keeps large exports fast (openpyxl's write-only mode streams rows).
    euro_style = NamedStyle(name="portal_euro", number_format=EURO_FORMAT)
    date_style = NamedStyle(name="portal_date", number_format="DD.MM.YYYY")
    plain_style = NamedStyle(name="portal_decimal", number_format="0.00")
    for style in (euro_style, date_style, plain_style):
        workbook.add_named_style(style)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(worksheet, value=value)
                cell.style = "portal_euro" if isinstance(value, Money) else "portal_decimal"
                cells.append(cell)
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(worksheet, value=value)
                cell.style = "portal_date"
                cells.append(cell)
            elif value is None or isinstance(value, int):
                cells.append(value)
            else:
                # XML (and so XLSX) cannot hold control characters (security audit, finding 4).
                text = strip_control_chars(str(value))
                cells.append("'" + text if text[:1] == "=" else text)
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _money(value) -> Money | None:
    return None if value is None else Money(value)


def portfolio_queryset(user, projects: QuerySet[Project], *, year: int | None) -> QuerySet:
    """The rows of the portfolio export: with their sums where the viewer sees any budget."""
    if permissions.can(user, "see_any_budget"):
        return with_budget(projects, user, year=year)
    return projects


def budget_lines_queryset(user, projects: QuerySet[Project], *, year: int | None) -> QuerySet:
    """The rows of the budget-lines export, as tuples in the order of its columns."""
    return (
        visible_lines(user, projects, year=year)
        .order_by(
            "project__title",
            "project_id",
            "fiscal_year__year",
            "category__position",
            "funding_source__position",
        )
        .values_list(
            "project__title",
            "project__slug",
            "project__primary_space__name_de",
            "project__lead_authority__code",
            "fiscal_year__year",
            "fiscal_year__double_budget",
            "category__name",
            "funding_source__name",
            "einzelplan",
            "aufgabenbereich",
            "produktgruppe",
            "fte",
            "pay_grade",
            "months",
            "planned",
            "revised",
            "committed",
            "actual",
            "note",
        )
    )


def portfolio_table(
    user, projects: QuerySet[Project], *, year: int | None
) -> tuple[list[str], Iterator[list[Any]]]:
    """One row per visible project; budget columns only for viewers who see any budget."""
    show_budget = permissions.can(user, "see_any_budget")
    header = [
        _("Titel"),
        _("Kurzname"),
        _("Raum"),
        _("federführende Behörde"),
        _("Status"),
        _("Status seit"),
        _("Ampel"),
        _("Begründung der Ampel"),
        _("Beginn"),
        _("Ende"),
        _("Sichtbarkeit"),
    ]
    if show_budget:
        header += [
            _("Plan"),
            _("fortgeschriebener Plan"),
            _("gebunden"),
            _("Ist"),
            _("verfügbar"),
        ]
    status = dict(Project.Status.choices)
    health = dict(Project.Health.choices)
    visibility = dict(Project.Visibility.choices)

    def rows() -> Iterator[list[Any]]:
        qs = portfolio_queryset(user, projects, year=year)
        for p in qs.iterator(chunk_size=2000):
            row = [
                p.title,
                p.slug,
                p.primary_space.name,
                p.lead_authority.code,
                status.get(p.status, p.status),
                p.status_changed_on,
                health.get(p.health, p.health),
                p.health_reason,
                p.start,
                p.end,
                visibility.get(p.visibility, p.visibility),
            ]
            if show_budget:
                if p.budget_visible:
                    sums = [getattr(p, f"sum_{n}") or ZERO for n in AMOUNTS]
                    row += [_money(v) for v in sums] + [_money(sums[1] - sums[2] - sums[3])]
                else:
                    row += [None] * 5
            yield row
        if show_budget:
            totals = portfolio_totals(user, projects, year=year)
            yield (
                [_("Summe (sichtbare Budgets)")]
                + [None] * 10
                + [
                    _money(totals.planned),
                    _money(totals.revised),
                    _money(totals.committed),
                    _money(totals.actual),
                    _money(totals.remaining),
                ]
            )

    return header, rows()


def budget_lines_table(
    user, projects: QuerySet[Project], *, year: int | None
) -> tuple[list[str], Iterator[list[Any]]]:
    """One row per budget line the viewer may see, and the sum of them."""
    header = [
        _("Projekt"),
        _("Kurzname"),
        _("Raum"),
        _("federführende Behörde"),
        _("Haushaltsjahr"),
        _("Doppelhaushalt"),
        _("Kostenart"),
        _("Finanzierungsquelle"),
        _("Einzelplan"),
        _("Aufgabenbereich"),
        _("Produktgruppe"),
        _("VZÄ"),
        _("Entgeltgruppe"),
        _("Monate"),
        _("Plan"),
        _("fortgeschriebener Plan"),
        _("gebunden"),
        _("Ist"),
        _("Bemerkung"),
    ]
    lines = budget_lines_queryset(user, projects, year=year)

    def rows() -> Iterator[list[Any]]:
        for values in lines.iterator(chunk_size=5000):
            row = list(values)
            for i in range(14, 18):
                row[i] = Money(row[i])
            yield row
        # The sum row is the SQL sum of the same lines, so it equals the lines to the cent.
        sums = portfolio_totals(user, projects, year=year)
        yield (
            [_("Summe")]
            + [None] * 13
            + [
                _money(sums.planned),
                _money(sums.revised),
                _money(sums.committed),
                _money(sums.actual),
                None,
            ]
        )

    return header, rows()
