"""Tables written as files: CSV for German Excel and XLSX (XlsxWriter), with no domain in them.

- CSV: `;` as separator, a BOM so that Excel reads UTF-8, decimal comma, dates as 31.12.2026;
  cells that a spreadsheet would run as a formula are defused (CSV injection).
- XLSX: XlsxWriter in constant-memory mode: each row is written to disk as it comes, so the
  memory a sheet needs does not grow with its rows. Money is a real number from its Decimal
  (written with 16 significant digits: 8714521.49 stays 8714521.49) in euro format; the header
  is bold and frozen, with an autofilter, and the columns are as wide as their content (capped).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from .text import strip_control_chars

EURO_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'
DATE_FORMAT = "dd.mm.yyyy"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 60
# Column widths are measured on the first rows (and on emphasised ones: the sums).
WIDTH_SAMPLE = 500
# Excel's limits for a sheet name: 31 characters, none of []:*?/\
SHEET_NAME_BAD = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


class Money(Decimal):
    """Marks a cell as euros (formatted as such in XLSX)."""


def money(value: Decimal | None) -> Money | None:
    return None if value is None else Money(value)


# --- CSV --------------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, int):
        return str(value)
    text = strip_control_chars(str(value))
    if text[:1] in FORMULA_STARTS:
        text = "'" + text
    return text


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV for German Excel to a text stream opened with newline=""; returns rows."""
    stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        count += 1
    return count


# --- XLSX -------------------------------------------------------------------------------------


class _ByType(dict[type, Any]):
    """{type: writer}, with `default` for every other type (a str subclass, a lazy string)."""

    def __init__(self, default: Any, known: dict[type, Any]) -> None:
        super().__init__(known)
        self.default = default

    def __missing__(self, key: type) -> Any:
        for known, writer in list(self.items()):
            if issubclass(key, known):
                self[key] = writer
                return writer
        self[key] = self.default
        return self.default


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    # Rows in bold: those whose first cell is one of these labels (the sum rows).
    emphasise: Collection[str] = ()


def sheet_name(title: str, taken: set[str]) -> str:
    base = " ".join(str(title).translate(SHEET_NAME_BAD).split())[:31] or "Tabelle"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


class XlsxBook:
    """An XLSX file written row by row. `progress(rows_written)` is called every 1,000 rows."""

    def __init__(
        self,
        target: str | IO[bytes],
        *,
        tmpdir: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.book = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "tmpdir": tmpdir,
                # Text stays text: no formulas, numbers or links guessed from strings.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "default_date_format": DATE_FORMAT,
            },
        )
        self.progress = progress
        self.rows_written = 0
        self._taken: set[str] = set()
        self.formats = {
            "head": self.book.add_format({"bold": True, "bottom": 1, "text_wrap": True}),
            "euro": self.book.add_format({"num_format": EURO_FORMAT}),
            "euro_bold": self.book.add_format({"num_format": EURO_FORMAT, "bold": True}),
            "decimal": self.book.add_format({"num_format": "0.00"}),
            "date": self.book.add_format({"num_format": DATE_FORMAT}),
            "bold": self.book.add_format({"bold": True}),
        }

    def add(self, sheet: Sheet) -> int:
        """Write one sheet; returns its number of data rows."""
        ws = self.book.add_worksheet(sheet_name(sheet.title, self._taken))
        widths = [min(max(len(str(h)) + 2, MIN_WIDTH), MAX_WIDTH) for h in sheet.header]
        for col, title in enumerate(sheet.header):
            ws.write_string(0, col, str(title), self.formats["head"])
        writers = self._writers(ws)
        labels = frozenset(str(label) for label in sheet.emphasise)
        row_index = 0
        for row_index, row in enumerate(sheet.rows, start=1):
            bold = bool(row) and row[0] in labels
            measure = row_index <= WIDTH_SAMPLE or bold
            for col, value in enumerate(row):
                if value is None:
                    continue
                width = writers[type(value)](row_index, col, value, bold)
                if measure and col < len(widths) and width > widths[col]:
                    widths[col] = min(width, MAX_WIDTH)
            if self.progress is not None and row_index % 1000 == 0:
                self.progress(self.rows_written + row_index)
        self.rows_written += row_index
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(row_index, 1), max(len(sheet.header) - 1, 0))
        return row_index

    def _writers(self, ws: Any) -> dict[type, Callable[[int, int, Any, bool], int]]:
        """How each type of value is written (looked up once per cell, by its exact type):
        (row, column, value, bold) -> the width its content needs."""
        f = self.formats

        def text(row: int, col: int, value: Any, bold: bool) -> int:
            value = str(value)
            if not value.isprintable():  # XML (and so XLSX) cannot hold control characters
                value = strip_control_chars(value)
            ws.write_string(row, col, value, f["bold"] if bold else None)
            return len(value) + 1

        def euro(row: int, col: int, value: Any, bold: bool) -> int:
            ws.write_number(row, col, value, f["euro_bold"] if bold else f["euro"])
            return len(f"{value:,.2f}") + 3

        def decimal(row: int, col: int, value: Any, bold: bool) -> int:
            ws.write_number(row, col, value, f["decimal"])
            return len(f"{value:.2f}") + 1

        def integer(row: int, col: int, value: Any, bold: bool) -> int:
            ws.write_number(row, col, value)
            return len(str(value)) + 1

        def yes_no(row: int, col: int, value: Any, bold: bool) -> int:
            ws.write_string(row, col, "ja" if value else "nein")
            return 5

        def date(row: int, col: int, value: Any, bold: bool) -> int:
            ws.write_datetime(row, col, value, f["date"])
            return 11

        known: dict[type, Any] = {
            Money: euro,
            Decimal: decimal,
            bool: yes_no,
            int: integer,
            dt.datetime: date,
            dt.date: date,
        }
        return _ByType(text, known)

    def close(self) -> None:
        self.book.close()
