"""An XLSX whose large sheets PostgreSQL writes as XML: Python only streams them into the zip.

core.tabular's XlsxBook spends a few microseconds of Python on every cell; for a sheet of a
hundred thousand rows that is most of a report's time. Here the database builds each row's
`<row>` element with string functions (`row_sql`, over the very SELECT the rows come from),
`COPY ... TO STDOUT` sends them (`copy_rows`), and they go in chunks into the deflated
`xl/worksheets/sheetN.xml` of the zip (`write_book`; `query_sheet` makes such a sheet).
The rows Python writes itself (the header, a sum row, the few rows of a small sheet:
`python_row`, `python_sheet`) and the small fixed parts of the package (content types,
relationships, workbook, styles) are written here as well.

The file looks like core.tabular's: inline strings (no shared-strings table, so memory stays
flat), text always as text (never a formula), money in EURO_FORMAT, decimals as "0.00", the
header bold and frozen, an autofilter over the data, columns as wide as their content (capped).
PostgreSQL only: the SQLite of `make run` keeps to XlsxWriter.
"""

from __future__ import annotations

import logging
import re
import threading
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.db import connection, connections
from django.db.models import QuerySet

from .tabular import EURO_FORMAT, MAX_WIDTH, MIN_WIDTH, WIDTH_SAMPLE, Money
from .text import strip_control_chars

logger = logging.getLogger(__name__)


def sheet_path(number: int) -> str:
    """The part of the `number`th sheet (from 1)."""
    return f"xl/worksheets/sheet{number}.xml"


SHEET_PATH = sheet_path(1)


# Deflate's fastest level: the sheet is repetitive XML, so the file grows by about a fifth
# while the compression, the largest part of the Python time, takes a third of level 6's.
COMPRESS_LEVEL = 1


class Kind(Enum):
    """How a column's values are written, and the style (index into cellXfs) they get."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"  # two places, "0.00"
    EURO = "euro"


# cellXfs of styles.xml, in this order.
STYLE_DEFAULT, STYLE_HEAD, STYLE_EURO, STYLE_EURO_BOLD, STYLE_DECIMAL, STYLE_BOLD = range(6)
_STYLE = {Kind.TEXT: 0, Kind.INTEGER: 0, Kind.DECIMAL: STYLE_DECIMAL, Kind.EURO: STYLE_EURO}
_BOLD_STYLE = {
    Kind.TEXT: STYLE_BOLD,
    Kind.INTEGER: STYLE_DEFAULT,
    Kind.DECIMAL: STYLE_DECIMAL,
    Kind.EURO: STYLE_EURO_BOLD,
}


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- Rows written by PostgreSQL ----------------------------------------------------------------

# Characters XML 1.0 cannot hold (core.text.CONTROL_CHARS and the two non-characters U+FFFE and
# U+FFFF): removed.
_UNWRITABLE = "".join(map(chr, [*range(1, 9), 11, 12, *range(14, 32), 127, 0xFFFE, 0xFFFF]))
# The sequence Excel reads as an escaped character ("_x0041_" is "A"): its underscore escaped,
# as Excel itself writes it, so the text reads back as it is stored.
_ESCAPE_LIKE = r"(_x[0-9A-Fa-f]{4}_)"
_ESCAPE_LIKE_RE = re.compile(_ESCAPE_LIKE)


# What needs the careful way in a row's text: a control character (those XML cannot hold, and
# line breaks), a non-character, or "_xHHHH_".
_NEEDS_CARE = "U&'[\\0001-\\001F\\007F\\FFFE\\FFFF]|_x[0-9A-Fa-f]{4}_'"


def _sql_text(value: str, *, careful: bool) -> str:
    """A text value in SQL as XML character data; NULL stays NULL. `careful`: also without the
    characters XML cannot hold and with "_xHHHH_" escaped (translate() and a regular
    expression cost more than all the rest of a cell: only rows that need them get them)."""
    if careful:
        unwritable = "".join(f"\\{ord(c):04X}" for c in _UNWRITABLE)
        value = f"translate({value}, U&'{unwritable}', '')"
    escaped = f"replace(replace(replace({value}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    if careful:
        # Line breaks as references: each row stays one line of COPY's output, and a carriage
        # return is not read back as a line feed.
        escaped = f"replace(replace({escaped}, chr(10), '&#10;'), chr(13), '&#13;')"
        escaped = f"regexp_replace({escaped}, '{_ESCAPE_LIKE}', '_x005F\\1', 'g')"
    return escaped


def sql_cell(kind: Kind, index: int, value: str, row: str, *, careful: bool = False) -> str:
    """SQL for one cell's XML (`value` an expression, `row` the row number as text); '' for NULL
    and for empty text: the cell is left out. NULL passes through `||`, so one COALESCE does."""
    ref = f"'<c r=\"{column_letter(index)}' || {row}"
    if kind is Kind.TEXT:
        # xml:space="preserve" keeps leading and trailing blanks, as the database holds them.
        text = _sql_text(f"NULLIF({value}, '')", careful=careful)
        body = (
            f' || \'" t="inlineStr"><is><t xml:space="preserve">\' || {text} || \'</t></is></c>\''
        )
    else:
        style = _STYLE[kind]
        attributes = f'" s="{style}"' if style else '"'
        body = f" || '{attributes}><v>' || ({value})::text || '</v></c>'"
    return f"COALESCE({ref}{body}, '')"


def row_sql(source: str, kinds: Sequence[Kind], *, first_row: int = 2) -> str:
    """A SELECT of one column, each row's `<row>` element, over the rows of `source` (a SELECT
    whose columns are, in order, of `kinds`) in its order, numbered from `first_row`."""
    names = [f"c{i}" for i in range(len(kinds))]

    def cells(careful: bool) -> str:
        return " || ".join(
            sql_cell(kind, i, f"t.{name}", "t.r", careful=careful)
            for i, (kind, name) in enumerate(zip(kinds, names, strict=True))
        )

    texts = [f"t.{name}" for kind, name in zip(kinds, names, strict=True) if kind is Kind.TEXT]
    # One regular expression over the row's text decides (about a tenth of a microsecond per
    # character); a row without text needs no care.
    needs_care = f"concat({', '.join(texts)}) ~ {_NEEDS_CARE}" if texts else "false"
    # row_number() over the ordered subquery numbers the rows in the order they come.
    # The SQL is built of the source's own SQL and fixed expressions: no values go into it.
    return (
        f"SELECT '<row r=\"' || t.r || '\">' || CASE WHEN {needs_care} THEN {cells(True)} "  # noqa: S608
        f"ELSE {cells(False)} END || '</row>' FROM ("
        f"SELECT s.*, (row_number() OVER () + {first_row - 1})::text AS r "
        f"FROM ({source}) AS s({', '.join(names)})) AS t"
    )


def width_sql(source: str, kinds: Sequence[Kind]) -> str:
    """A SELECT of what the columns' widths are measured on, over the rows of `source`: the
    longest text, the smallest and largest number."""
    names = [f"c{i}" for i in range(len(kinds))]
    parts = []
    for kind, name in zip(kinds, names, strict=True):
        if kind is Kind.TEXT:
            parts.append(f"max(length({name}))")
        else:
            parts += [f"min({name})", f"max({name})"]
    return f"SELECT {', '.join(parts)} FROM ({source}) AS s({', '.join(names)})"  # noqa: S608


def widths_from(measured: Sequence[Any], kinds: Sequence[Kind]) -> list[int]:
    """The content widths from the figures `width_sql` measured."""
    widths = []
    values = iter(measured)
    for kind in kinds:
        if kind is Kind.TEXT:
            widths.append((next(values) or 0) + 1)
        else:
            low, high = next(values), next(values)
            widths.append(max(value_width(kind, low), value_width(kind, high)))
    return widths


def value_width(kind: Kind, value: Any) -> int:
    """The width a value needs in its cell (as core.tabular measures it)."""
    if value is None:
        return 0
    if kind is Kind.EURO:
        return len(f"{value:,.2f}") + 3
    if kind is Kind.DECIMAL:
        return len(f"{value:.2f}") + 1
    return len(str(value)) + 1


# --- Rows written by Python ---------------------------------------------------------------------


def python_row(row: int, values: Sequence[Any], *, bold: bool) -> str:
    """One `<row>` of values written in Python (the header, a sum row, a small sheet). Each
    value is written by its type, as core.tabular's XlsxBook writes it: Money in euros, another
    Decimal with two places, an integer as a number, a truth as "ja"/"nein", the rest as text;
    in a bold row the text and the euros are bold."""
    cells = []
    for index, value in enumerate(values):
        if value is None or value == "":
            continue
        ref = f"{column_letter(index)}{row}"
        kind = _kind_of(value)
        style = (_BOLD_STYLE if bold else _STYLE)[kind]
        if kind is Kind.TEXT:
            text = _escape_text(_text_of(value))
            cells.append(
                f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}'
                "</t></is></c>"
            )
        else:
            cells.append(f'<c r="{ref}" s="{style}"><v>{value}</v></c>')
    return f'<row r="{row}">{"".join(cells)}</row>'


def _kind_of(value: Any) -> Kind:
    if isinstance(value, Money):
        return Kind.EURO
    if isinstance(value, Decimal):
        return Kind.DECIMAL
    if isinstance(value, int) and not isinstance(value, bool):
        return Kind.INTEGER
    return Kind.TEXT


def _text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return str(value)


def python_width(value: Any) -> int:
    """The width a value written by `python_row` needs (as core.tabular measures it)."""
    if value is None or value == "":
        return 0
    kind = _kind_of(value)
    if kind is Kind.TEXT:
        return len(strip_control_chars(_text_of(value))) + 1
    return value_width(kind, value)


def python_sheet(
    name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], emphasise: Collection[str] = ()
) -> Sheet:
    """A small sheet (an overview, a sum per space) written in Python: its rows are read at
    once, those whose first cell is one of `emphasise` (the sums) in bold, the columns as wide
    as the header and the content (as core.tabular's XlsxBook measures them)."""
    labels = frozenset(str(label) for label in emphasise)
    table = [list(row) for row in rows]
    content = [0] * len(header)
    for values in table:
        for index, value in enumerate(values[: len(header)]):
            content[index] = max(content[index], python_width(value))

    def fill(write: Callable[[bytes], object]) -> int:
        for number, values in enumerate(table, start=2):
            bold = bool(values) and values[0] in labels
            write(python_row(number, values, bold=bold).encode())
        return len(table)

    columns = [Column(str(title), Kind.TEXT) for title in header]
    return Sheet(name, columns, column_widths(columns, content), fill)


def _escape_text(text: str) -> str:
    """What `_sql_text` does in SQL, in Python."""
    cleaned = text.translate(dict.fromkeys(map(ord, _UNWRITABLE)))
    return _ESCAPE_LIKE_RE.sub(r"_x005F\1", escape(cleaned))


def header_row(columns: Sequence[Column]) -> str:
    cells = "".join(
        f'<c r="{column_letter(i)}1" s="{STYLE_HEAD}" t="inlineStr"><is><t>'
        f"{_escape_text(column.title)}</t></is></c>"
        for i, column in enumerate(columns)
    )
    return f'<row r="1">{cells}</row>'


# --- The package --------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/{sheet_path(n)}" ContentType="{_SHEET_TYPE}"/>'
        for n in range(1, sheets + 1)
    )
    return (
        _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}"
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    )


_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def _workbook_rels(sheets: int) -> str:
    """rId1 ... rIdN the sheets, rIdN+1 the styles."""
    parts = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        _HEAD + f'<Relationships xmlns="{_PACKAGE_RELS}">{parts}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


# Fonts: 0 regular, 1 bold; borders: 0 none, 1 a thin line below (the header). numFmtId 2 is
# Excel's built-in "0.00"; 164 the first free id, for the euro format.
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    f'<numFmts count="1"><numFmt numFmtId="164" formatCode={quoteattr(EURO_FORMAT)}/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/>'
    "</border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyFont="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _excel_width(characters: int) -> float:
    """A width in characters as Excel stores it: with the cell's padding of 5 pixels, in
    digits of 7 pixels (Calibri 11), as XlsxWriter writes it."""
    return round((characters * 7 + 5) / 7, 4)


def _sheet_head(widths: Sequence[int], *, selected: bool) -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{_excel_width(width)}" customWidth="1"/>'
        for i, width in enumerate(widths, start=1)
    )
    tab = ' tabSelected="1"' if selected else ""
    return (
        _HEAD + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        f'<sheetViews><sheetView{tab} workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>"
    )


def _workbook(names: Sequence[str], filter_ranges: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{escape(_quoted(name))}!{filter_range}</definedName>"
        for index, (name, filter_range) in enumerate(zip(names, filter_ranges, strict=True))
    )
    return (
        _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets><definedNames>{filters}</definedNames></workbook>"
    )


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def column_widths(columns: Sequence[Column], content: Sequence[int]) -> list[int]:
    """Each column as wide as its title and its content, within MIN_WIDTH and MAX_WIDTH."""
    return [
        min(max(len(column.title) + 2, MIN_WIDTH, width), MAX_WIDTH)
        for column, width in zip(columns, content, strict=True)
    ]


def _no_tail(next_row: int) -> list[str]:
    return []


@dataclass
class Sheet:
    """One sheet of a book: the header of `columns`; the rows `fill(write)` writes (the XML of
    rows 2, 3, ...; it returns how many); then the rows `tail(next_row)` returns (a sum row).
    `name` as core.tabular.sheet_name makes it (at most 31 characters, unique)."""

    name: str
    columns: Sequence[Column]
    widths: Sequence[int]
    fill: Callable[[Callable[[bytes], object]], int]
    tail: Callable[[int], list[str]] = _no_tail


def query_sheet(
    name: str,
    columns: Sequence[Column],
    rows: QuerySet[Any],
    total: Sequence[Any],
    progress: Callable[[int], None],
) -> Sheet:
    """A sheet whose rows PostgreSQL writes from `rows` (a queryset of `values_list` whose
    columns are, in order, of the columns' kinds), with the sum row `total` written in Python
    below them; the columns as wide as the header, the first WIDTH_SAMPLE rows and the sum row
    (as XlsxBook measures them). `progress(rows_so_far)` is called while the rows are written."""
    kinds = [column.kind for column in columns]
    sample_sql, sample_params = rows[:WIDTH_SAMPLE].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(width_sql(sample_sql, kinds), sample_params)
        measured = widths_from(cursor.fetchone(), kinds)
    widths = [max(w, python_width(value)) for w, value in zip(measured, total, strict=True)]
    sql, params = rows.query.sql_with_params()
    return Sheet(
        name,
        columns,
        column_widths(columns, widths),
        lambda write: copy_rows(row_sql(sql, kinds), params, write, progress),
        lambda row: [python_row(row, total, bold=True)],
    )


def write_book(target: str | Path, sheets: Sequence[Sheet]) -> list[int]:
    """Write the XLSX of `sheets`, in their order, the first one open; returns each sheet's
    number of rows below the header."""
    counts, ranges = [], []
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
    ) as package:
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        package.writestr("xl/styles.xml", _STYLES)
        for number, spec in enumerate(sheets, start=1):
            # force_zip64: the sheet's size is not known before, and may pass 4 GiB.
            with package.open(sheet_path(number), "w", force_zip64=True) as sheet:
                head = _sheet_head(spec.widths, selected=number == 1) + header_row(spec.columns)
                sheet.write(head.encode())
                count = spec.fill(sheet.write)
                tail_rows = spec.tail(count + 2)
                count += len(tail_rows)
                corner = f"{column_letter(len(spec.columns) - 1)}{max(count, 1) + 1}"
                ending = f'</sheetData><autoFilter ref="A1:{corner}"/></worksheet>'
                sheet.write(("".join(tail_rows) + ending).encode())
            counts.append(count)
            ranges.append("$A$1:$" + re.sub(r"(\d+)$", r"$\1", corner))
        # The workbook names the filtered ranges, known only now: its part comes last.
        package.writestr("xl/workbook.xml", _workbook([s.name for s in sheets], ranges))
    return counts


# --- The rows from the database -------------------------------------------------------------------

# COPY's CSV with a quote and a delimiter no row holds (`row_sql` writes neither, nor a line
# break): each row comes as it is, one a line. COPY's text format would escape backslashes.
_COPY_OPTIONS = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01', ENCODING 'UTF8'"
CHUNK = 256 * 1024


class _Progress(threading.Thread):
    """Calls `progress(rows_so_far)` in a thread of its own while COPY holds the connection:
    the call may use the database (a report's progress), on the thread's own connection."""

    def __init__(self, progress: Callable[[int], None]) -> None:
        super().__init__(daemon=True)
        self.progress = progress
        self.latest = 0
        self.pending = threading.Event()
        self.done = False

    def tell(self, rows: int) -> None:
        self.latest = rows
        self.pending.set()

    def run(self) -> None:
        told = 0
        try:
            finished = False
            while not finished:
                self.pending.wait()
                self.pending.clear()
                # Read before the count: once finished, the count read after it is the last.
                finished = self.done
                # Only the newest count: those that came meanwhile are passed over.
                if (rows := self.latest) != told:
                    told = rows
                    self._call(rows)
        finally:
            connections.close_all()  # this thread's connections only

    def _call(self, rows: int) -> None:
        try:
            self.progress(rows)
        except Exception:  # progress is a courtesy: the file is written all the same
            logger.warning("progress not reported", exc_info=True)

    def finish(self) -> None:
        self.done = True
        self.pending.set()
        self.join()


class _Sink:
    """COPY's file: gathers the rows (COPY hands over one at a time) into chunks for `write`."""

    def __init__(self, write: Callable[[bytes], object], tell: Callable[[int], None]) -> None:
        self.write_out, self.tell = write, tell
        self.parts: list[bytes] = []
        self.size = 0
        self.lines = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        if self.size >= CHUNK:
            self.flush()

    def flush(self) -> None:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        self.lines += data.count(b"\n")
        self.write_out(data)
        self.tell(self.lines)


def copy_rows(
    sql: str,
    params: Sequence[Any],
    write: Callable[[bytes], object],
    progress: Callable[[int], None],
) -> int:
    """COPY (sql) TO STDOUT, the rows' XML of `row_sql`, into `write` in chunks; returns the
    number of rows. `progress(rows_so_far)` is called meanwhile, from another thread."""
    reporter = _Progress(progress)
    reporter.start()
    sink = _Sink(write, reporter.tell)
    try:
        with connection.cursor() as cursor:
            query = cursor.mogrify(sql, params).decode()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH ({_COPY_OPTIONS})", sink)
            rows = cursor.rowcount
        sink.flush()
    finally:
        reporter.finish()
    return rows
