"""One report written as the worker writes it, in a process of its own, measured: seconds,
rows, file size and how far the process's resident memory rose above where it started while
the report was written (sampled every 5 ms).

Called by bench/run_bench.py (`make bench`) with the benchmark database in the environment:

    python bench/report_one.py --kind lines --format xlsx --year 2026
    python bench/report_one.py --writer openpyxl --year 2026   # the write-only alternative
    python bench/report_one.py --writer xlsxwriter             # cell by cell, as SQLite's way

Prints one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.audiences import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    """The process's resident memory now (Linux: /proc/self/statm, in pages)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


class PeakSampler(threading.Thread):
    """Samples the resident memory every 5 ms while the report is written."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.baseline = rss_mib()
        self.peak = self.baseline
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.005)

    def stop(self) -> float:
        self.done.set()
        self.join()
        return max(self.peak, rss_mib()) - self.baseline


def openpyxl_lines(user: Actor, year: int | None, target: Path) -> int:
    """The budget lines written with openpyxl's write-only mode (what the exports used before),
    for comparison: the same rows, money cells styled, as before."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import NamedStyle

    from projects.exports import budget_lines_table
    from projects.selectors.portfolio import portfolio

    header, rows = budget_lines_table(user, portfolio(user, year=year), year=year)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Budgetzeilen")
    book.add_named_style(NamedStyle(name="euro", number_format='#,##0.00 "€"'))
    sheet.append(header)
    count = 0
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if value is not None and type(value).__name__ == "Money":
                cell = WriteOnlyCell(sheet)
                cell.value = value
                cell.style = "euro"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    book.save(target)
    return count


def xlsxwriter_lines(user: Actor, year: int | None, target: Path) -> int:
    """The budget lines written cell by cell with XlsxWriter (core.tabular.XlsxBook: the way of
    SQLite, and of PostgreSQL before the database wrote the rows), for comparison."""
    from core.tabular import Sheet, XlsxBook
    from projects.exports import budget_lines_table
    from projects.selectors.portfolio import portfolio

    header, rows = budget_lines_table(user, portfolio(user, year=year), year=year)
    book = XlsxBook(str(target), tmpdir=str(target.parent))
    count = book.add(Sheet("Budgetzeilen", header, rows, emphasise=("Summe",)))
    book.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", default="lines")
    parser.add_argument("--format", default="xlsx")
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--writer", choices=("portal", "openpyxl", "xlsxwriter"), default="portal")
    parser.add_argument("--email", default="bench.itd@example.org")
    args = parser.parse_args()

    reports_root = tempfile.mkdtemp(prefix="bench-reports-")
    os.environ["REPORTS_ROOT"] = reports_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamburg_digital.settings")
    import django

    django.setup()
    from contacts.models import User
    from projects.models import FiscalYear
    from reports import services
    from reports.models import Report

    user = User.objects.get(email=args.email)
    fiscal_year = FiscalYear.objects.get(year=args.year) if args.year else None
    list(User.objects.all()[:1])  # connections and caches warm before the baseline
    sampler = PeakSampler()
    sampler.start()
    started = time.perf_counter()
    if args.writer in ("openpyxl", "xlsxwriter"):
        target = Path(reports_root) / f"{args.writer}.xlsx"
        write = openpyxl_lines if args.writer == "openpyxl" else xlsxwriter_lines
        rows = write(user, args.year, target)
        size, status = target.stat().st_size, "ready"
    else:
        report = Report.objects.create(
            kind=args.kind,
            format=args.format,
            scope="programme",
            fiscal_year=fiscal_year,
            requested_by=user,
        )
        status = services.generate(report.pk)
        report.refresh_from_db()
        rows, size = report.rows or 0, report.size or 0
        Report.objects.filter(pk=report.pk).delete()
    seconds = time.perf_counter() - started
    growth = sampler.stop()
    print(
        json.dumps(
            {
                "status": status,
                "seconds": seconds,
                "rows": rows,
                "bytes": size,
                "peak_growth_mib": growth,
            }
        )
    )


if __name__ == "__main__":
    main()
