"""A report's file: the content (content.py) written as XLSX, CSV or PDF.

XLSX and CSV stream row by row (core.tabular), so a report of 100,000 budget lines needs no
more memory than one of a hundred; on PostgreSQL the XLSX's large sheets (the budget lines, the
budget report's rows per project and cost category) are written by the database
(core.xlsx_stream), the same cells about three times faster. The PDF is rendered from a
template by WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import pdf, xlsx_stream
from core.dates import format_datetime
from core.money import format_euro
from core.tabular import Sheet, XlsxBook, money, sheet_name, write_csv
from projects.exports import budget_lines_table, budget_lines_xlsx
from projects.models import Project
from projects.selectors.money import Figures, RollupRow

from . import content, registry
from .models import Format, Kind, Report

Progress = Callable[[int], None]


def figure_headers() -> list[str]:
    return [_("Plan"), _("fortgeschriebener Plan"), _("gebunden"), _("Ist"), _("verfügbar")]


def figure_cells(figures: Figures) -> list[Any]:
    return [
        money(figures.planned),
        money(figures.revised),
        money(figures.committed),
        money(figures.actual),
        money(figures.remaining),
    ]


def write(
    report: Report, condition: Q | None, meta: content.Meta, target: Path, progress: Progress
) -> int:
    """Write the report's file to `target`; returns the number of data rows."""
    spec = registry.kind(report.kind)
    if spec is not None:  # a kind of an app above (reports.registry): its own content
        return spec.writers[report.format](report, meta, target, progress)
    writer = WRITERS[(report.kind, report.format)]
    return writer(report, condition, meta, target, progress)


# --- The budget report ------------------------------------------------------------------------


def _overview(data: content.BudgetReport) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [_("Bericht"), data.meta.title, None, None, None, None],
        [_("Umfang"), data.meta.scope, None, None, None, None],
        [_("Haushaltsjahr"), str(data.meta.fiscal_year or ""), None, None, None, None],
        [_("erstellt am"), format_datetime(data.meta.created), None, None, None, None],
        [_("angefordert von"), data.meta.requester, None, None, None, None],
        [_("Projekte"), data.year.projects, None, None, None, None],
        [_("Budgetzeilen"), data.year.lines, None, None, None, None],
    ]
    if data.empty:
        rows.append([_("Hinweis"), empty_note(), None, None, None, None])
    rows.append([_("Summe des Umfangs"), None, *figure_cells(data.year.total)])
    if data.programme is not None and data.programme_year is not None:
        budget = money(data.programme.basis)
        rows += [
            [_("Programmbudget der Strategie"), None, budget, None, None, None],
            [_("ITD-Strategiebudget in diesem Jahr"), None, *figure_cells(data.programme_year)],
            # "verfügbar" here: the programme budget less all years' committed and actual.
            [_("ITD-Strategiebudget, alle Jahre"), None, *figure_cells(data.programme)],
        ]
    return rows


def empty_note() -> str:
    return _(
        "Für dieses Haushaltsjahr gibt es im gewählten Umfang keine Budgetzeilen; alle Summen "
        "sind %(zero)s."
    ) % {"zero": format_euro(0)}


def _rollup_rows(rows: list[RollupRow], total: Figures) -> Iterator[list[Any]]:
    for row in rows:
        yield [row.label, *figure_cells(row.figures)]
    yield [_("Summe"), *figure_cells(total)]


def _category_rows(report: Report, condition: Q | None, total: Figures) -> Iterator[list[Any]]:
    year = report.fiscal_year.year if report.fiscal_year else None
    for row in content.category_rows(condition, year):
        yield [row.project, row.slug, row.space, row.authority, row.category] + figure_cells(
            row.figures
        )
    yield [_("Summe"), None, None, None, None, *figure_cells(total)]


def _sums() -> tuple[str, ...]:
    return (_("Summe"), _("Summe des Umfangs"))


def budget_sheets(report: Report, condition: Q | None, data: content.BudgetReport) -> list[Sheet]:
    label = [_("Bezeichnung")]
    return [
        Sheet(
            _("Übersicht"),
            [_("Kennzahl"), _("Wert"), *figure_headers()],
            _overview(data),
            emphasise=_sums(),
        ),
        Sheet(
            _("Je Raum"),
            label + figure_headers(),
            _rollup_rows(data.year.by_space, data.year.total),
            emphasise=_sums(),
        ),
        Sheet(
            _("Je Behörde"),
            label + figure_headers(),
            _rollup_rows(data.year.by_authority, data.year.total),
            emphasise=_sums(),
        ),
        Sheet(
            _("Je Projekt und Kostenart"),
            [
                _("Projekt"),
                _("Kurzname"),
                _("Raum"),
                _("federführende Behörde"),
                _("Kostenart"),
                *figure_headers(),
            ],
            _category_rows(report, condition, data.year.total),
            emphasise=_sums(),
        ),
    ]


def _budget_xlsx(
    report: Report, condition: Q | None, meta: content.Meta, target: Path, progress: Progress
) -> int:
    data = content.budget_report(report, condition, meta)
    progress(20)
    if connection.vendor == "postgresql":
        return _budget_xlsx_streamed(report, condition, data, target, progress)
    book = XlsxBook(str(target), tmpdir=str(target.parent))
    rows = 0
    for step, sheet in enumerate(budget_sheets(report, condition, data), start=1):
        rows += book.add(sheet)
        progress(20 + step * 15)
    book.close()
    return rows


# The detailed sheet's columns: project, short name, space, authority, cost category, figures.
DETAIL_KINDS = [xlsx_stream.Kind.TEXT] * 5 + [xlsx_stream.Kind.EURO] * 5


def _budget_xlsx_streamed(
    report: Report,
    condition: Q | None,
    data: content.BudgetReport,
    target: Path,
    progress: Progress,
) -> int:
    """The budget report's four sheets on PostgreSQL: the three small ones written in Python,
    the rows per project and cost category (one per project and category: tens of thousands
    in a year of the whole strategy) by the database (core.xlsx_stream), as the budget lines."""
    *small, detail = budget_sheets(report, condition, data)
    taken: set[str] = set()
    sheets = [
        xlsx_stream.python_sheet(sheet_name(s.title, taken), s.header, s.rows, s.emphasise)
        for s in small
    ]
    year = report.fiscal_year.year if report.fiscal_year else None
    total = [_("Summe"), None, None, None, None, *figure_cells(data.year.total)]
    columns = [
        xlsx_stream.Column(str(title), kind)
        for title, kind in zip(detail.header, DETAIL_KINDS, strict=True)
    ]
    lines = max(data.year.lines, 1)  # at least one line per row: the progress runs ahead of none
    sheets.append(
        xlsx_stream.query_sheet(
            sheet_name(detail.title, taken),
            columns,
            content.category_table(condition, year),
            total,
            lambda rows: progress(min(35 + 60 * rows // lines, 95)),
        )
    )
    return sum(xlsx_stream.write_book(target, sheets))


def _budget_csv(
    report: Report, condition: Q | None, meta: content.Meta, target: Path, progress: Progress
) -> int:
    """One table: each row names the view it belongs to (the sheets of the XLSX)."""
    data = content.budget_report(report, condition, meta)
    progress(20)
    sheets = budget_sheets(report, condition, data)[1:]
    header = [
        _("Sicht"),
        _("Bezeichnung"),
        _("Kurzname"),
        _("Raum"),
        _("federführende Behörde"),
        _("Kostenart"),
        *figure_headers(),
    ]

    def rows() -> Iterator[list[Any]]:
        for sheet in sheets[:2]:
            for row in sheet.rows:
                yield [sheet.title, row[0], None, None, None, None, *row[1:]]
        yield from ([sheets[2].title, *row] for row in sheets[2].rows)

    with target.open("w", encoding="utf-8", newline="") as stream:
        return write_csv(stream, header, rows())


def _budget_pdf(
    report: Report, condition: Q | None, meta: content.Meta, target: Path, progress: Progress
) -> int:
    data = content.budget_report(report, condition, meta)
    year = report.fiscal_year.year if report.fiscal_year else None
    categories = list(content.category_rows(condition, year))
    progress(50)
    html = render_to_string(
        "reports/pdf/budget.html", {"data": data, "meta": meta, "categories": categories}
    )
    pdf.write_pdf(html, target, laid_out=lambda: progress(90))
    return len(categories)


# --- Budget lines -----------------------------------------------------------------------------


def _lines_scope(report: Report, condition: Q | None) -> tuple[QuerySet[Project], int | None]:
    """The projects and the year of a budget-lines report."""
    projects = Project.objects.filter(condition if condition is not None else Q(pk__in=[]))
    return projects, report.fiscal_year.year if report.fiscal_year else None


def _lines_table(report: Report, condition: Q | None) -> tuple[list[str], Iterator[list[Any]]]:
    projects, year = _lines_scope(report, condition)
    return budget_lines_table(report.requested_by, projects, year=year)


def _counted(rows: Iterator[list[Any]], total: int, progress: Progress) -> Iterator[list[Any]]:
    step = max(total // 50, 1000)
    for n, row in enumerate(rows, start=1):
        if n % step == 0 and total:
            progress(min(5 + 90 * n // total, 95))
        yield row


def _lines_xlsx(
    report: Report, condition: Q | None, meta: content.Meta, target: Path, progress: Progress
) -> int:
    total = content.line_count(condition, report)
    if connection.vendor == "postgresql":
        # The database writes the rows' XML (projects.exports.budget_lines_xlsx): about a
        # tenth of the time XlsxWriter needs; the SQLite of `make run` takes the way below.
        projects, year = _lines_scope(report, condition)
        return budget_lines_xlsx(
            target,
            report.requested_by,
            projects,
            year=year,
            progress=lambda lines: progress(min(5 + 90 * lines // max(total, 1), 95)),
        )
    header, rows = _lines_table(report, condition)
    book = XlsxBook(str(target), tmpdir=str(target.parent))
    written = book.add(
        Sheet(_("Budgetzeilen"), header, _counted(rows, total, progress), emphasise=_sums())
    )
    book.close()
    return written


def _lines_csv(
    report: Report, condition: Q | None, meta: content.Meta, target: Path, progress: Progress
) -> int:
    header, rows = _lines_table(report, condition)
    total = content.line_count(condition, report)
    with target.open("w", encoding="utf-8", newline="") as stream:
        return write_csv(stream, header, _counted(rows, total, progress))


# --- The portfolio status report --------------------------------------------------------------


def _portfolio_pdf(
    report: Report, condition: Q | None, meta: content.Meta, target: Path, progress: Progress
) -> int:
    data = content.portfolio_report(condition, meta)
    progress(50)
    html = render_to_string("reports/pdf/portfolio.html", {"data": data, "meta": meta})
    pdf.write_pdf(html, target, laid_out=lambda: progress(90))
    return data.project_count


WRITERS: dict[tuple[str, str], Callable[..., int]] = {
    (Kind.BUDGET, Format.XLSX): _budget_xlsx,
    (Kind.BUDGET, Format.CSV): _budget_csv,
    (Kind.BUDGET, Format.PDF): _budget_pdf,
    (Kind.LINES, Format.XLSX): _lines_xlsx,
    (Kind.LINES, Format.CSV): _lines_csv,
    (Kind.PORTFOLIO, Format.PDF): _portfolio_pdf,
}
