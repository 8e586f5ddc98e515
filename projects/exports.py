"""Exports of the portfolio and of budget lines as CSV (German Excel) and XLSX.

Both contain exactly what the requester may see: the rows of the filtered portfolio from the same
scoped queryset as the page, and budget figures only of projects whose budget the requester may
see (guests and anonymous visitors get no budget column at all).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from django.db import connection, connections
from django.db.models import Case, F, Func, QuerySet, TextField, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import xlsx_stream
from core.audiences import Viewer
from core.dates import today
from core.tabular import Money, Sheet, XlsxBook, csv_cell, money, sheet_name

from . import permissions
from .models import Project
from .selectors.money import (
    AMOUNTS,
    MONEY,
    ZERO,
    portfolio_totals,
    visible_lines,
    with_budget,
)


# kind -> (file name, sheet name)
def dated(name: str) -> str:
    """The file name with the day it was written ("portfolio-2026-12-01"), so downloads on
    different days do not overwrite each other."""
    return f"{name}-{today():%Y-%m-%d}"


NAMES = {
    "budget": ("budgetzeilen", gettext_lazy("Budgetzeilen")),
    "portfolio": ("portfolio", gettext_lazy("Portfolio")),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# Cells as the CSV writes them (core.tabular): the database's COPY writes them the same way.
_csv_cell = csv_cell


class _Line:
    """csv.writer's file: hands back each written line instead of keeping it."""

    def write(self, text: str) -> str:
        return text


ROWS_PER_CHUNK = 500


def csv_chunks(
    header: list[str], rows: Iterable[Sequence[Any]], *, formatted: bool = False
) -> Iterator[bytes]:
    """The CSV as UTF-8 chunks of a few hundred rows: BOM (Excel then reads UTF-8), `;`.
    `formatted`: the rows are cells already written as `_csv_cell` writes them."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow(row if formatted else [_csv_cell(v) for v in row]))
        if len(chunk) == ROWS_PER_CHUNK:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


class StreamedCSV(StreamingHttpResponse):
    """A CSV sent while it is read from the database (a server-side cursor), in constant
    memory. `content` reads the rest of the stream at once, for code that wants the whole."""

    @property
    def content(self) -> bytes:  # type: ignore[override]  # read-only: a stream is not set
        return b"".join(cast(Iterator[bytes], self.streaming_content))


def _in_language(language: str | None, chunks: Iterator[bytes]) -> Iterator[bytes]:
    # The rows are written after the view has returned: in the language of the request.
    with translation.override(language):
        yield from chunks


def render_csv(
    header: list[str], rows: Iterable[Sequence[Any]], filename: str, *, formatted: bool = False
) -> StreamedCSV:
    response = StreamedCSV(
        _in_language(translation.get_language(), csv_chunks(header, rows, formatted=formatted)),
        content_type=CONTENT_TYPES["csv"],
    )
    response["Content-Disposition"] = f'attachment; filename="{dated(filename)}.csv"'
    return response


def render_xlsx(
    header: list[str], rows: Iterable[Sequence[Any]], filename: str, sheet: str
) -> HttpResponse:
    """A small export as XLSX in the response (core.tabular: euro format, frozen header,
    autofilter); large ones are background reports."""
    buffer = io.BytesIO()
    book = XlsxBook(buffer)
    sums = (_("Summe"), _("Summe (sichtbare Budgets)"))
    book.add(Sheet(str(sheet), header, rows, emphasise=sums))
    book.close()
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{dated(filename)}.xlsx"'
    return response


_money = money


def portfolio_queryset(user: Viewer, projects: QuerySet[Project], *, year: int | None) -> QuerySet:
    """The rows of the portfolio export: with their sums where the viewer sees any budget."""
    if permissions.can(user, "see_any_budget"):
        return with_budget(projects, user, year=year)
    return projects


def budget_lines_queryset(
    user: Viewer, projects: QuerySet[Project], *, year: int | None
) -> QuerySet:
    """The rows of the budget-lines export, as tuples in the order of its columns."""
    return (
        visible_lines(user, projects, year=year)
        .order_by(
            "project__title",
            "project_id",
            "fiscal_year__year",
            "category__position",
            "funding_source__position",
            "description",
            "pk",
        )
        .values_list(
            "project__title",
            "project__slug",
            _localized("project__primary_space__name"),
            "project__lead_authority__code",
            "fiscal_year__year",
            "fiscal_year__double_budget",
            _localized("category__name", german=""),
            _localized("funding_source__name", german=""),
            "description",
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
    user: Viewer, projects: QuerySet[Project], *, year: int | None
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
            row: list[Any] = [
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
                if getattr(p, "budget_visible", False):  # annotated by with_budget
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


# The column of the plan in the budget-lines export: the four amounts follow it.
LINE_AMOUNTS_AT = 15


def budget_lines_header() -> list[str]:
    """The titles of the budget-lines export's columns (those of `budget_lines_queryset`)."""
    return [
        _("Projekt"),
        _("Kurzname"),
        _("Raum"),
        _("federführende Behörde"),
        _("Haushaltsjahr"),
        _("Doppelhaushalt"),
        _("Kostenart"),
        _("Finanzierungsquelle"),
        _("Bezeichnung"),
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


def budget_lines_table(
    user: Viewer, projects: QuerySet[Project], *, year: int | None
) -> tuple[list[str], Iterator[list[Any]]]:
    """One row per budget line the viewer may see, and the sum of them."""
    header = budget_lines_header()
    lines = budget_lines_queryset(user, projects, year=year)

    def rows() -> Iterator[list[Any]]:
        for values in lines.iterator(chunk_size=5000):
            row = list(values)
            for i in range(LINE_AMOUNTS_AT, LINE_AMOUNTS_AT + 4):
                row[i] = Money(row[i])
            yield row
        # The sum row is the SQL sum of the same lines, so it equals the lines to the cent.
        sums = portfolio_totals(user, projects, year=year)
        yield (
            [_("Summe")]
            + [None] * (LINE_AMOUNTS_AT - 1)
            + [
                _money(sums.planned),
                _money(sums.revised),
                _money(sums.committed),
                _money(sums.actual),
                None,
            ]
        )

    return header, rows()


# --- CSV cells written by PostgreSQL ------------------------------------------------------------
#
# A large CSV is mostly turning values into text. On PostgreSQL the database writes each cell as
# `_csv_cell` would (decimal comma, dd.mm.yyyy, control characters stripped, the CSV-injection
# guard) and Python only joins them: the export then runs close to COPY. The same rows, the same
# bytes: tests/test_scale.py compares both ways on awkward values.

# core.text.CONTROL_CHARS as a PostgreSQL regular expression (NUL cannot be in a text value).
_CONTROL_RE = r"'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]'"
_GUARD = "('=', '+', '-', '@', chr(9), chr(13))"
_CLEAN = "regexp_replace(COALESCE(%(expressions)s, ''), " + _CONTROL_RE + ", '', 'g')"


class CsvText(Func):
    """Text as `_csv_cell` writes it: NULL as '', control characters stripped, a leading
    formula character guarded with an apostrophe."""

    template = f"(CASE WHEN left({_CLEAN}, 1) IN {_GUARD} THEN chr(39) ELSE '' END || {_CLEAN})"
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra):  # type: ignore[override]
        sql, params = super().as_sql(compiler, connection, **extra)
        # The value appears twice in the template: its parameters too.
        return sql, (*params, *params)


class CsvNumber(Func):
    """A decimal with a decimal comma (numeric(_, 2) as text has two places), an integer as
    is; NULL as ''."""

    template = "COALESCE(replace((%(expressions)s)::text, '.', ','), '')"
    output_field = TextField()


class CsvDate(Func):
    template = "COALESCE(to_char(%(expressions)s, 'DD.MM.YYYY'), '')"
    output_field = TextField()


def _choice_label(field: str, choices: Any) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(str(label))) for value, label in choices),
        default=F(field),
        output_field=TextField(),
    )


def _localized(path: str, *, german: str = "_de") -> Any:
    """A name in the active language: `{path}_en` in English where it is filled, else the German
    name (`{path}_de`, or `{path}` itself for the budget's reference data with `german=""`)."""
    if (translation.get_language() or "de").startswith("en"):
        return Coalesce(NullIf(F(f"{path}_en"), Value("")), F(f"{path}{german}"))
    return F(f"{path}{german}")


def _csv_columns(queryset: QuerySet, columns: list[Any]) -> QuerySet:
    # An empty cell as NULL: COPY writes NULL unquoted, an empty text as "".
    names = {
        f"csv_{i}": NullIf(column, Value(""), output_field=TextField())
        for i, column in enumerate(columns)
    }
    return queryset.annotate(**names).values_list(*names)


class _Stopped(Exception):
    """The download ended early: COPY stops."""


def _copy(
    db: Any, sql: str, params: Sequence[Any], chunks: queue.Queue, stop: threading.Event
) -> None:
    """COPY (sql) TO STDOUT as CSV on the request's connection `db` (lent to this thread while
    the request waits for the chunks), into `chunks`."""
    buffered: list[bytes] = []
    size = 0

    class Sink:
        def write(self, data: bytes) -> None:
            nonlocal size
            if stop.is_set():
                raise _Stopped
            buffered.append(data)
            size += len(data)
            if size >= COPY_CHUNK:
                chunks.put(b"".join(buffered))
                buffered.clear()
                size = 0

    try:
        with db.cursor() as cursor:
            query = cursor.mogrify(sql, params).decode()
            cursor.copy_expert(
                f"COPY ({query}) TO STDOUT WITH (FORMAT csv, DELIMITER ';', ENCODING 'UTF8')",
                Sink(),
            )
        chunks.put(b"".join(buffered))
        chunks.put(None)
    except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
        chunks.put(exc)


COPY_CHUNK = 64 * 1024


def copy_csv(queryset: QuerySet) -> Iterator[bytes]:
    """The queryset's rows as CSV written by PostgreSQL's COPY, streamed: COPY pushes its data,
    so a helper thread runs it on the request's own connection (the same transaction; the
    request does nothing else meanwhile) into a small queue (at most 8 chunks of 64 KiB wait),
    and this generator hands the chunks on. Lines end in CRLF like Python's csv module writes
    them (COPY writes LF; a line feed inside a quoted cell stays as it is)."""
    sql, params = queryset.query.sql_with_params()
    chunks: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()
    db = connections[queryset.db]
    db.inc_thread_sharing()
    worker = threading.Thread(target=_copy, args=(db, sql, params, chunks, stop), daemon=True)
    worker.start()
    quoted = False
    finished = False
    try:
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, BaseException):
                raise chunk
            parts = chunk.split(b"\n")
            out = [parts[0]]
            quoted ^= parts[0].count(b'"') % 2 == 1
            for part in parts[1:]:
                out.append(b"\n" if quoted else b"\r\n")
                out.append(part)
                quoted ^= part.count(b'"') % 2 == 1
            yield b"".join(out)
        finished = True
    finally:
        stop.set()
        while worker.is_alive():  # let a COPY blocked on a full queue see the stop
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.05)
        worker.join()
        db.dec_thread_sharing()
        if not finished and not db.in_atomic_block:
            db.close()  # a COPY broken off leaves the connection in no state to reuse


def _budget_lines_columns() -> list[Any]:
    text, number = CsvText, CsvNumber
    return [
        text(F("project__title")),
        text(F("project__slug")),
        text(_localized("project__primary_space__name")),
        text(F("project__lead_authority__code")),
        number(F("fiscal_year__year")),
        text(F("fiscal_year__double_budget")),
        text(_localized("category__name", german="")),
        text(_localized("funding_source__name", german="")),
        text(F("description")),
        text(F("einzelplan")),
        text(F("aufgabenbereich")),
        text(F("produktgruppe")),
        number(F("fte")),
        text(F("pay_grade")),
        number(F("months")),
        *(number(F(name)) for name in AMOUNTS),
        text(F("note")),
    ]


def _portfolio_columns(show_budget: bool) -> list[Any]:
    text = CsvText
    columns: list[Any] = [
        text(F("title")),
        text(F("slug")),
        text(_localized("primary_space__name")),
        text(F("lead_authority__code")),
        text(_choice_label("status", Project.Status.choices)),
        CsvDate(F("status_changed_on")),
        text(_choice_label("health", Project.Health.choices)),
        text(F("health_reason")),
        CsvDate(F("start")),
        CsvDate(F("end")),
        text(_choice_label("visibility", Project.Visibility.choices)),
    ]
    if show_budget:
        amounts = [Coalesce(F(f"sum_{n}"), ZERO, output_field=MONEY) for n in AMOUNTS]
        for amount in [*amounts, amounts[1] - amounts[2] - amounts[3]]:
            columns.append(
                Case(
                    When(budget_visible=True, then=CsvNumber(amount)),
                    default=Value(""),
                    output_field=TextField(),
                )
            )
    return columns


def _sum_row(
    kind: str, user: Viewer, projects: QuerySet[Project], *, year: int | None
) -> list[Any]:
    """The last row of the export: the SQL sum of the same lines (as the table functions)."""
    sums = portfolio_totals(user, projects, year=year)
    if kind == "budget":
        amounts = [sums.planned, sums.revised, sums.committed, sums.actual, None]
        return [_("Summe"), *[None] * (LINE_AMOUNTS_AT - 1), *(_money(v) for v in amounts)]
    amounts = [sums.planned, sums.revised, sums.committed, sums.actual, sums.remaining]
    return [_("Summe (sichtbare Budgets)"), *[None] * 10, *(_money(v) for v in amounts)]


def _copied(
    kind: str, user: Viewer, projects: QuerySet[Project], *, year: int | None
) -> Iterator[bytes]:
    show_budget = permissions.can(user, "see_any_budget")
    if kind == "budget":
        rows = budget_lines_queryset(user, projects, year=year)
        yield from copy_csv(_csv_columns(rows, _budget_lines_columns()))
    else:
        rows = portfolio_queryset(user, projects, year=year)
        yield from copy_csv(_csv_columns(rows, _portfolio_columns(show_budget)))
    if kind == "budget" or show_budget:
        writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
        row = _sum_row(kind, user, projects, year=year)
        yield writer.writerow([_csv_cell(v) for v in row]).encode("utf-8")


def csv_export(
    kind: str, user: Viewer, projects: QuerySet[Project], *, year: int | None
) -> StreamedCSV:
    """The CSV of the portfolio (kind "portfolio") or of its budget lines ("budget"), streamed.
    On PostgreSQL the database writes the rows (COPY, each cell as `_csv_cell` writes it:
    tests/test_scale.py compares both ways byte by byte); elsewhere (the SQLite of `make run`)
    Python writes them."""
    table = budget_lines_table if kind == "budget" else portfolio_table
    header, rows = table(user, projects, year=year)
    filename = NAMES[kind][0]
    if connection.vendor != "postgresql":
        return render_csv(header, rows, filename)
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    head = ("\ufeff" + writer.writerow(header)).encode("utf-8")
    chunks = itertools.chain([head], _copied(kind, user, projects, year=year))
    response = StreamedCSV(
        _in_language(translation.get_language(), chunks), content_type=CONTENT_TYPES["csv"]
    )
    response["Content-Disposition"] = f'attachment; filename="{dated(filename)}.csv"'
    return response


# --- The budget-lines XLSX written by PostgreSQL -------------------------------------------------
#
# Turning 1.9 million values into XLSX cells one by one in Python took thirty times as long as
# COPY of the same rows. On PostgreSQL the database writes each row's XML from the very SQL of
# `budget_lines_queryset` (a subquery: the permission scope is written once), and Python only
# deflates the rows into the file (core.xlsx_stream).

# The kind of each column of `budget_lines_queryset`, in its order.
_TEXT, _NUMBER = xlsx_stream.Kind.TEXT, xlsx_stream.Kind.INTEGER
BUDGET_LINE_KINDS = (
    *[_TEXT] * 4,  # project, short name, space, lead authority
    _NUMBER,  # fiscal year
    *[_TEXT] * 7,  # double budget, category, funding source, description, budget keys
    xlsx_stream.Kind.DECIMAL,  # FTE
    _TEXT,  # pay grade
    _NUMBER,  # months
    *[xlsx_stream.Kind.EURO] * 4,  # planned, revised, committed, actual
    _TEXT,  # note
)


def budget_lines_xlsx(
    target: str | Path,
    user: Viewer,
    projects: QuerySet[Project],
    *,
    year: int | None,
    progress: Callable[[int], None],
) -> int:
    """The budget-lines export as XLSX in `target`, its rows written by PostgreSQL; returns the
    number of rows below the header (the lines and the sum row). `progress(lines_so_far)` is
    called every few thousand lines."""
    lines = budget_lines_queryset(user, projects, year=year)
    kinds = BUDGET_LINE_KINDS
    columns = [
        xlsx_stream.Column(title, kind)
        for title, kind in zip(budget_lines_header(), kinds, strict=True)
    ]
    total = _sum_row("budget", user, projects, year=year)
    name = sheet_name(str(NAMES["budget"][1]), set())
    sheet = xlsx_stream.query_sheet(name, columns, lines, total, progress)
    return xlsx_stream.write_book(target, [sheet])[0]
