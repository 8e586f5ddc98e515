"""A reporting round's figures as a CSV file, out and back in (issue 17, point 6).

Officers who keep their figures in a spreadsheet should not have to type them into the report
form one by one: they download the round's CSV, fill it in and upload it. The export *is* the
template, so a file read back unchanged gives back exactly the stored figures.

The file (German Excel: `;` as separator, UTF-8 with a BOM, CRLF), one row per indicator of
each measure's report the viewer may see (SUBMISSION "view"), one row per measure without
indicators; the columns in this order:

  1. Maßnahme              the measure's code (Kürzel)
  2. Titel der Maßnahme    for reading only, ignored on import
  3. Federführende Behörde the lead authority's code; for reading only
  4. Status                the report's status key (draft, submitted, ...); for reading only
  5. Umsetzungsstand       rating key (no_evidence, not_started, limited, substantial, complete)
  6. Ampel                 light key (green, amber, red)
  7. Bericht               the report's text
  8. Kennzahl-ID           the indicator's id; empty in a measure's row without indicators
  9. Kennzahl              the indicator's name; for reading only
 10. Einheit               the indicator's unit; for reading only
 11. Stichtag              the date of the value, YYYY-MM-DD
 12. Wert                  decimal comma, no thousands separators: 45,5 or -3 or 1234,0001
 13. Kommentar             the value's comment

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or CR) get an
apostrophe in front, as every CSV of the portal (core.tabular.csv_cell); the import takes it
away again. Header names are the format itself and so are not translated.

The import validates the whole file before it writes anything, then saves every measure's
report through `services.submission_save` (which checks permission and the figures again) in
one transaction: one refused line and nothing is stored. A report's rating, light and text
come from its rows (all rows of one measure must agree); the values from its indicator rows.
An indicator row with neither date nor value clears that indicator's value; an indicator of
the measure that has no row in the file keeps its value (a file with only the changed rows
does not delete the others). Measures that have no row are not touched. Line numbers in
messages are the spreadsheet's row numbers: the header is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audiences import Actor, Viewer
from core.tabular import FORMULA_STARTS, csv_cell
from core.text import has_control_chars, strip_control_chars

from . import services
from .models import Indicator, Light, Rating, Round, Submission, SubmittedValue
from .permissions import SUBMISSION

MEASURE = "Maßnahme"
TITLE = "Titel der Maßnahme"
AUTHORITY = "Federführende Behörde"
STATUS = "Status"
RATING = "Umsetzungsstand"
LIGHT = "Ampel"
TEXT = "Bericht"
INDICATOR_ID = "Kennzahl-ID"
INDICATOR = "Kennzahl"
UNIT = "Einheit"
ON = "Stichtag"
VALUE = "Wert"
COMMENT = "Kommentar"
COLUMNS = (
    MEASURE,
    TITLE,
    AUTHORITY,
    STATUS,
    RATING,
    LIGHT,
    TEXT,
    INDICATOR_ID,
    INDICATOR,
    UNIT,
    ON,
    VALUE,
    COMMENT,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# A file with thousands of bad rows would otherwise bury the first, useful messages.
MAX_ERRORS = 100
# What the database holds: numeric(18, 4), varchar(1000), and the report's form limit.
MAX_PLACES = 4
MAX_NUMBER = Decimal(10) ** 14
COMMENT_LENGTH = SubmittedValue._meta.get_field("comment").max_length or 1000
TEXT_LENGTH = Submission._meta.get_field("text").max_length or 10000

# ASCII digits only: \d would take any script's digits too.
_NUMBER = re.compile(r"-?[0-9]+(,[0-9]+)?")
# Digits grouped by points, spaces or apostrophes (1.234,5  1 234  1'234): thousands.
_GROUPED = re.compile(r"-?[0-9]{1,3}([.\s'\u00a0\u202f][0-9]{3})+(,[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# German Excel writes a date it recognised as 31.12.2026 when it saves the file again.
_GERMAN_DATE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}")


# --- Cells ---------------------------------------------------------------------------------------


def _text_out(value: str) -> str:
    """csv_cell's cell; a text that itself starts with apostrophes before a formula character
    gets one more, so the import, which takes exactly one away, gives back the text."""
    cell = csv_cell(value)
    unguarded = cell == strip_control_chars(value)
    if unguarded and cell.startswith("'") and cell.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + cell
    return cell


def _text_in(cell: str) -> str:
    if cell.startswith("'") and cell.lstrip("'")[:1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _number_out(value: Decimal) -> str:
    # normalize(): 45.5000 -> 45,5 (the column holds four places, people write fewer).
    return format(value.normalize(), "f").replace(".", ",")


def _number_in(raw: str) -> Decimal:
    """A number as the export writes it; ValueError with the reason otherwise."""
    if _NUMBER.fullmatch(raw):
        number = Decimal(raw.replace(",", "."))
    elif _GROUPED.fullmatch(raw):
        raise ValueError(
            _(
                "‚%(raw)s‘ enthält Tausendertrennzeichen: bitte ohne schreiben, nur mit Komma "
                "vor den Nachkommastellen (z. B. 1234,5)."
            )
            % {"raw": raw}
        )
    else:
        raise ValueError(
            _("‚%(raw)s‘ ist keine Zahl in deutscher Schreibweise (z. B. 4,5).") % {"raw": raw}
        )
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise ValueError(_("‚%(raw)s‘ hat mehr als vier Nachkommastellen.") % {"raw": raw})
    if abs(number) >= MAX_NUMBER:
        raise ValueError(_("‚%(raw)s‘ ist zu groß.") % {"raw": raw})
    return number


def _date_in(raw: str) -> dt.date:
    try:
        if _ISO_DATE.fullmatch(raw):
            return dt.date.fromisoformat(raw)
        if _GERMAN_DATE.fullmatch(raw):
            return dt.datetime.strptime(raw, "%d.%m.%Y").date()  # noqa: DTZ007  # a date
    except ValueError:
        pass
    raise ValueError(
        _("‚%(raw)s‘ ist kein gültiges Datum (JJJJ-MM-TT, z. B. 2026-03-31).") % {"raw": raw}
    )


def _choice_in(raw: str, choices: type[Rating] | type[Light], what: str) -> str:
    """The stored key; the German label ("gelb") is understood too, as people type it."""
    wanted = raw.strip().casefold()
    if not wanted:
        return ""
    for key, label in choices.choices:
        if wanted in (key, str(label).casefold()):
            return str(key)
    raise ValueError(
        _("‚%(raw)s‘ ist kein %(what)s; möglich sind: %(keys)s (oder leer).")
        % {"raw": raw, "what": what, "keys": ", ".join(choices.values)}
    )


# --- Export --------------------------------------------------------------------------------------


def _rows(round_: Round, viewer: Viewer) -> Iterator[list[str]]:
    submissions = (
        Submission.objects.visible_to(viewer)
        .filter(round=round_)
        .select_related("measure__lead_authority")
        .order_by("measure__goal__code", "measure__code", "measure__pk")
    )
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(
        measure_id__in=submissions.values("measure_id")
    ).order_by("name", "pk"):
        indicators.setdefault(indicator.measure_id or 0, []).append(indicator)
    values = {
        (v.submission_id, v.indicator_id): v
        for v in SubmittedValue.objects.filter(submission__in=submissions.values("pk"))
    }
    for submission in submissions:
        measure = submission.measure
        report = [
            _text_out(measure.code),
            _text_out(measure.title),
            _text_out(measure.lead_authority.code),
            submission.status,
            submission.rating,
            submission.light,
            _text_out(submission.text),
        ]
        if measure.pk not in indicators:
            yield [*report, "", "", "", "", "", ""]
        for indicator in indicators.get(measure.pk, ()):
            value = values.get((submission.pk, indicator.pk))
            yield [
                *report,
                str(indicator.pk),
                _text_out(indicator.name),
                _text_out(indicator.unit),
                value.on.isoformat() if value else "",
                _number_out(value.value) if value else "",
                _text_out(value.comment) if value else "",
            ]


def round_csv(round_: Round, viewer: Viewer) -> str:
    """The round's CSV as text, the BOM first (encode it as UTF-8 to send it)."""
    stream = io.StringIO(newline="")
    stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_rows(round_, viewer))
    return stream.getvalue()


# --- Import: reading the file --------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did; `errors` empty: every report of the file is saved."""

    errors: list[str] = field(default_factory=list)
    reports: int = 0
    values: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Row:
    """One data row as read: its row number in the spreadsheet and its parsed cells."""

    line: int
    code: str
    rating: str
    light: str
    text: str
    indicator_id: int | None
    on: dt.date | None
    value: Decimal | None
    comment: str


class Refused(Exception):
    """The file cannot be imported; `errors` says why, each naming its line and column."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors)
        self.errors = errors


class _Errors(list[str]):
    def at(self, line: int, column: str | None, message: str) -> None:
        if column is None:
            self.append(_("Zeile %(line)d: %(message)s") % {"line": line, "message": message})
        else:
            self.append(
                _("Zeile %(line)d, Spalte „%(column)s“: %(message)s")
                % {"line": line, "column": column, "message": message}
            )

    def check(self) -> None:
        if self:
            raise Refused(self._capped())

    def _capped(self) -> list[str]:
        if len(self) <= MAX_ERRORS:
            return list(self)
        more = _("… und %(count)d weitere Fehler.") % {"count": len(self) - MAX_ERRORS}
        return [*self[:MAX_ERRORS], more]


def _decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise Refused(
            [
                _(
                    "Die Datei ist größer als %(limit)d MB (%(size)s MB): bitte in mehreren "
                    "Teilen hochladen."
                )
                % {
                    "limit": MAX_BYTES // 1024 // 1024,
                    "size": f"{len(content) / 1024 / 1024:.1f}".replace(".", ","),
                }
            ]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise Refused(
            [
                _(
                    "Die Datei ist nicht in UTF-8 gespeichert (Zeile %(line)d). Bitte in Excel "
                    "als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern."
                )
                % {"line": line}
            ]
        ) from error
    if not text.strip():
        raise Refused([_("Die Datei ist leer.")])
    return text


def _header(cells: list[str]) -> dict[str, int]:
    names = [cell.strip() for cell in cells]
    if len(names) == 1 and ("," in names[0] or "\t" in names[0]):
        raise Refused([_("Zeile 1: Die Spalten sind nicht durch Semikolon (;) getrennt.")])
    errors = _Errors()
    unknown = [n for n in names if n and n not in COLUMNS]
    missing = [c for c in COLUMNS if c not in names]
    doubled = sorted({n for n in names if n and names.count(n) > 1})
    if unknown:
        errors.at(1, None, _("Unbekannte Spalten: %(names)s.") % {"names": _quoted(unknown)})
    if missing:
        errors.at(1, None, _("Es fehlen die Spalten: %(names)s.") % {"names": _quoted(missing)})
    if doubled:
        errors.at(1, None, _("Doppelte Spalten: %(names)s.") % {"names": _quoted(doubled)})
    if errors:
        errors.append(_("Bitte die Kopfzeile des Exports der Runde unverändert verwenden."))
    errors.check()
    return {name: index for index, name in enumerate(names) if name}


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"„{name}“" for name in names)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of every record; blank rows (a spreadsheet's trailing ;;;) skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    number = 0
    try:
        for cells in reader:
            number += 1
            if any(cell.strip() for cell in cells):
                yield number, cells
    except csv.Error as error:
        raise Refused(
            [
                _("Zeile %(line)d: Die Datei ist kein lesbares CSV (%(reason)s).")
                % {"line": number + 1, "reason": error}
            ]
        ) from error


def _read(text: str) -> list[Row]:
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise Refused([_("Die Datei ist leer.")])
    columns = _header(first[1])
    rows: list[Row] = []
    errors = _Errors()
    for count, (line, cells) in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise Refused(
                [
                    _(
                        "Die Datei hat mehr als %(limit)s Datenzeilen: bitte in mehreren Teilen "
                        "hochladen."
                    )
                    % {"limit": f"{MAX_ROWS:,}".replace(",", ".")}
                ]
            )
        row = _row(line, cells, columns, errors)
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append(_("Die Datei enthält nur die Kopfzeile, keine Daten."))
    errors.check()
    return rows


def _row(line: int, cells: list[str], columns: dict[str, int], errors: _Errors) -> Row | None:
    if any(cell.strip() for cell in cells[len(columns) :]):
        errors.at(line, None, _("Die Zeile hat mehr Zellen als die Kopfzeile Spalten."))
        return None
    cell = _Cells(line, cells, columns, errors)
    code = cell.text(MEASURE).strip()
    if not code:
        errors.at(line, MEASURE, _("Bitte das Kürzel der Maßnahme angeben."))
    row = Row(
        line=line,
        code=code,
        rating=cell.parse(RATING, lambda raw: _choice_in(raw, Rating, _("Umsetzungsstand")), ""),
        light=cell.parse(LIGHT, lambda raw: _choice_in(raw, Light, _("Ampelwert")), ""),
        text=cell.text(TEXT, TEXT_LENGTH),
        indicator_id=cell.parse(INDICATOR_ID, _indicator_id),
        on=cell.parse(ON, _date_in),
        value=cell.parse(VALUE, _number_in),
        comment=cell.text(COMMENT, COMMENT_LENGTH),
    )
    _check_value_cells(row, cell.raw(ON), cell.raw(VALUE), errors)
    return row if cell.fine else None


def _indicator_id(raw: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,17}", raw):
        raise ValueError(_("‚%(raw)s‘ ist keine Kennzahl-ID (eine ganze Zahl).") % {"raw": raw})
    return int(raw)


def _check_value_cells(row: Row, on: str, value: str, errors: _Errors) -> None:
    if row.indicator_id is None:
        for column, content in ((ON, on), (VALUE, value), (COMMENT, row.comment)):
            if content.strip():
                errors.at(row.line, column, _("Ohne Kennzahl-ID gehört hier nichts hin."))
        return
    if on.strip() and not value.strip():
        errors.at(row.line, VALUE, _("Zum Stichtag fehlt der Wert."))
    elif value.strip() and not on.strip():
        errors.at(row.line, ON, _("Zum Wert fehlt der Stichtag."))
    elif row.comment.strip() and not value.strip():
        errors.at(row.line, COMMENT, _("Ein Kommentar ohne Wert würde nicht gespeichert."))


class _Cells:
    """The cells of one row by column name; every problem goes to `errors` with its place."""

    def __init__(
        self, line: int, cells: Sequence[str], columns: dict[str, int], errors: _Errors
    ) -> None:
        self.line, self.cells, self.columns, self.errors = line, cells, columns, errors
        self.fine = True

    def raw(self, column: str) -> str:
        index = self.columns[column]
        # Some programs drop a row's trailing empty cells.
        return self.cells[index] if index < len(self.cells) else ""

    def fail(self, column: str, message: str) -> None:
        self.errors.at(self.line, column, message)
        self.fine = False

    def text(self, column: str, limit: int = 0) -> str:
        text = _text_in(self.raw(column))
        if has_control_chars(text):
            self.fail(column, _("Der Text enthält Steuerzeichen."))
        elif limit and len(text) > limit:
            self.fail(
                column,
                _("Der Text ist länger als %(limit)d Zeichen (%(length)d).")
                % {"limit": limit, "length": len(text)},
            )
        return text

    def parse(self, column: str, read: Callable[[str], Any], empty: Any = None) -> Any:
        raw = _text_in(self.raw(column)).strip()
        if not raw:
            return empty
        try:
            return read(raw)
        except ValueError as error:
            self.fail(column, str(error))
            return None


# --- Import: checking against the round ---------------------------------------------------------


@dataclass
class Report:
    """The rows of one measure's report in the file."""

    submission: Submission
    rows: list[Row] = field(default_factory=list)

    @property
    def lines(self) -> str:
        return _lines([row.line for row in self.rows])


def _lines(numbers: list[int]) -> str:
    """'Zeile 7' or 'Zeilen 7, 9–12': runs of consecutive rows as a range."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    if len(parts) > 10:
        parts = [*parts[:10], "…"]
    if len(numbers) == 1:
        return _("Zeile %(line)s") % {"line": parts[0]}
    return _("Zeilen %(lines)s") % {"lines": ", ".join(parts)}


def _by_measure(
    round_: Round, rows: list[Row], indicators: dict[int, Indicator], errors: _Errors
) -> dict[int, Report]:
    """The rows grouped by the report they belong to (a measure's code can repeat across the
    goals of a round: then its indicator says which measure is meant)."""
    by_code: dict[str, list[Submission]] = {}
    for submission in (
        Submission.objects.filter(round=round_)
        .select_related("measure__lead_authority", "round")
        .order_by("pk")
    ):
        by_code.setdefault(submission.measure.code, []).append(submission)
    reports: dict[int, Report] = {}
    for row in rows:
        candidates = by_code.get(row.code, [])
        indicator = indicators.get(row.indicator_id or 0)
        if len(candidates) > 1 and indicator is not None:
            candidates = [s for s in candidates if s.measure_id == indicator.measure_id] or [
                candidates[0]
            ]
        if not candidates:
            errors.at(
                row.line,
                MEASURE,
                _("Die Maßnahme ‚%(code)s‘ gehört nicht zur Berichtsrunde „%(round)s“.")
                % {"code": row.code, "round": round_.name},
            )
        elif len(candidates) > 1:
            errors.at(
                row.line,
                MEASURE,
                _(
                    "Das Kürzel ‚%(code)s‘ haben mehrere Maßnahmen dieser Runde: die Zeile "
                    "braucht eine Kennzahl-ID der gemeinten Maßnahme."
                )
                % {"code": row.code},
            )
        else:
            submission = candidates[0]
            reports.setdefault(submission.pk, Report(submission)).rows.append(row)
    return reports


def _check_rows(report: Report, indicators: dict[int, Indicator], errors: _Errors) -> None:
    """One report: the same rating, light and text on every row, each indicator once and of
    this measure."""
    first = report.rows[0]
    seen: dict[int | None, int] = {}
    for row in report.rows:
        for column, mine, theirs in (
            (RATING, row.rating, first.rating),
            (LIGHT, row.light, first.light),
            (TEXT, row.text, first.text),
        ):
            if mine != theirs:
                errors.at(
                    row.line,
                    column,
                    _(
                        "weicht von Zeile %(first)d ab: alle Zeilen einer Maßnahme tragen "
                        "denselben Bericht."
                    )
                    % {"first": first.line},
                )
        if row.indicator_id in seen:
            errors.at(
                row.line,
                INDICATOR_ID if row.indicator_id else MEASURE,
                _("Doppelte Zeile: Maßnahme und Kennzahl stehen schon in Zeile %(line)d.")
                % {"line": seen[row.indicator_id]},
            )
        seen.setdefault(row.indicator_id, row.line)
        _check_indicator(row, report.submission, indicators, errors)


def _check_indicator(
    row: Row, submission: Submission, indicators: dict[int, Indicator], errors: _Errors
) -> None:
    if row.indicator_id is None:
        return
    indicator = indicators.get(row.indicator_id)
    if indicator is None or indicator.measure_id != submission.measure_id:
        errors.at(
            row.line,
            INDICATOR_ID,
            _("Die Kennzahl %(id)d gehört nicht zur Maßnahme ‚%(code)s‘.")
            % {"id": row.indicator_id, "code": row.code},
        )


def _check_may_write(actor: Actor, report: Report, errors: _Errors) -> None:
    """The rule the service applies, asked first so the refusal can name the lines."""
    submission = report.submission
    measure = submission.measure
    if not SUBMISSION.can(actor, "write", submission):
        errors.append(
            _(
                "%(lines)s: Die Meldung zur Maßnahme ‚%(code)s‘ dürfen Sie nicht schreiben "
                "(federführend ist %(authority)s)."
            )
            % {
                "lines": report.lines,
                "code": measure.code,
                "authority": measure.lead_authority.code,
            }
        )
    elif submission.status in LOCKED:
        errors.append(
            _(
                "%(lines)s: Die Meldung zur Maßnahme ‚%(code)s‘ ist %(status)s: Ändern geht "
                "erst, wenn ITD sie zurückgibt."
            )
            % {
                "lines": report.lines,
                "code": measure.code,
                "status": submission.get_status_display(),
            }
        )


LOCKED = (Submission.Status.SUBMITTED, Submission.Status.ACCEPTED)


def _reports(
    actor: Actor, round_: Round, rows: list[Row]
) -> tuple[list[Report], dict[int, Indicator]]:
    ids = {row.indicator_id for row in rows if row.indicator_id}
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=ids).select_related("goal")}
    errors = _Errors()
    reports = _by_measure(round_, rows, indicators, errors)
    for report in reports.values():
        _check_may_write(actor, report, errors)
        _check_rows(report, indicators, errors)
    errors.check()
    return sorted(reports.values(), key=lambda r: r.rows[0].line), indicators


# --- Import: saving ------------------------------------------------------------------------------


def _values(
    report: Report, indicators: dict[int, Indicator], stored: list[SubmittedValue]
) -> list[services.ValueInput]:
    """The file's values, and the stored ones of indicators the file has no row for."""
    values = [
        services.ValueInput(indicators[row.indicator_id], row.on, row.value, row.comment)
        for row in report.rows
        if row.indicator_id and row.on is not None and row.value is not None
    ]
    in_file = {row.indicator_id for row in report.rows}
    values += [
        services.ValueInput(v.indicator, v.on, v.value, v.comment)
        for v in stored
        if v.indicator_id not in in_file
    ]
    return values


COLUMN_OF_FIELD = {"rating": RATING, "light": LIGHT, "text": TEXT, "values": INDICATOR_ID}


def _service_errors(error: ValidationError, report: Report, errors: _Errors) -> None:
    """The service's refusal of one report, each message at the line and column it is about."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            errors.append(_("%(lines)s: %(message)s") % {"lines": report.lines, "message": message})
        return
    line_of = {row.indicator_id: row.line for row in report.rows}
    for key, messages in error.message_dict.items():
        line, column = report.rows[0].line, COLUMN_OF_FIELD.get(key)
        if key.startswith("value_"):
            indicator_id = int(key.removeprefix("value_"))
            line, column = line_of.get(indicator_id, line), ON
            if indicator_id not in line_of:
                messages = [f"{_('Kennzahl')} {indicator_id}: {m}" for m in messages]
        for message in messages:
            errors.at(line, column, message)


def _save(
    actor: Actor, reports: list[Report], indicators: dict[int, Indicator], submit: bool
) -> ImportResult:
    """Every report through the service, in one transaction: any refusal rolls back all."""
    result, errors = ImportResult(), _Errors()
    with transaction.atomic():
        # Locked: a report submitted meanwhile in the form is not overwritten unseen.
        locked = Submission.objects.select_for_update(of=("self",)).select_related(
            "measure__lead_authority", "round"
        )
        fresh = locked.in_bulk([report.submission.pk for report in reports])
        stored: dict[int, list[SubmittedValue]] = {}
        for value in SubmittedValue.objects.filter(submission__in=list(fresh)).select_related(
            "indicator__goal"
        ):
            stored.setdefault(value.submission_id, []).append(value)
        for report in reports:
            submission = fresh[report.submission.pk]
            values = _values(report, indicators, stored.get(submission.pk, []))
            first = report.rows[0]
            try:
                services.submission_save(
                    actor=actor,
                    submission=submission,
                    rating=first.rating,
                    light=first.light,
                    text=first.text,
                    values=values,
                    submit=submit,
                )
            except ValidationError as error:
                _service_errors(error, report, errors)
            except PermissionDenied as error:
                reason = str(error) or _("Diese Meldung dürfen Sie nicht schreiben.")
                errors.append(
                    _("%(lines)s: %(message)s") % {"lines": report.lines, "message": reason}
                )
            else:
                result.reports += 1
                result.values += len(values)
        errors.check()  # Refused leaves the block: everything written above is rolled back.
    return result


def round_csv_import(*, actor: Actor, round_: Round, content: bytes, submit: bool) -> ImportResult:
    """Read a CSV in the format of `round_csv` and save its reports (submitted if `submit`),
    all or nothing. Refusals come back in `ImportResult.errors`, nothing raised."""
    try:
        if Round.objects.filter(pk=round_.pk, status=Round.Status.FROZEN).exists():
            raise Refused([str(services.FROZEN)])
        rows = _read(_decode(content))
        reports, indicators = _reports(actor, round_, rows)
        return _save(actor, reports, indicators, submit)
    except Refused as refused:
        return ImportResult(errors=refused.errors)
