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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from .text import strip_control_chars

EURO_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'
DATE_FORMAT = "dd.mm.yyyy"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 60
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


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    # Rows in bold (a sum row): a predicate on the row.
    emphasise: Callable[[Sequence[Any]], bool] | None = None


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
        row_index = 0
        for row_index, row in enumerate(sheet.rows, start=1):
            bold = sheet.emphasise is not None and sheet.emphasise(row)
            for col, value in enumerate(row):
                width = self._write(ws, row_index, col, value, bold)
                if col < len(widths) and width > widths[col]:
                    widths[col] = min(width, MAX_WIDTH)
            self.rows_written += 1
            if self.progress is not None and self.rows_written % 1000 == 0:
                self.progress(self.rows_written)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(row_index, 1), max(len(sheet.header) - 1, 0))
        return row_index

    def _write(self, ws: Any, row: int, col: int, value: Any, bold: bool) -> int:
        """Write a cell; returns the width its content needs."""
        if value is None:
            return 0
        if isinstance(value, bool):
            text = "ja" if value else "nein"
            ws.write_string(row, col, text)
            return len(text)
        if isinstance(value, Money):
            ws.write_number(row, col, value, self.formats["euro_bold" if bold else "euro"])
            return len(f"{value:,.2f}") + 3
        if isinstance(value, Decimal):
            ws.write_number(row, col, value, self.formats["decimal"])
            return len(f"{value:.2f}") + 1
        if isinstance(value, int):
            ws.write_number(row, col, value)
            return len(str(value)) + 1
        if isinstance(value, dt.date):
            ws.write_datetime(row, col, value, self.formats["date"])
            return 11
        # XML (and so XLSX) cannot hold control characters.
        text = strip_control_chars(str(value))
        ws.write_string(row, col, text, self.formats["bold"] if bold else None)
        return len(text) + 1

    def close(self) -> None:
        self.book.close()
