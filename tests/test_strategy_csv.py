"""A round's figures by CSV (issue 17, point 6): the export is the import's template, a file
read back unchanged stores the same figures, and every bad file is refused with its line and
column while nothing at all is stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from contacts.models import Authority
from core.audiences import Actor
from core.dates import today
from strategy import exchange, services
from strategy.models import Indicator, Measure, Round, Submission, SubmittedValue

from .factories import strategy_tree as tree

pytestmark = pytest.mark.django_db

D = Decimal
ON = today() - dt.timedelta(days=2)
Rows = list[dict[str, str]]


@dataclass
class Setting:
    round_: Round
    measure: Measure  # the officer's, two indicators
    first: Indicator
    second: Indicator
    of_goal: Indicator  # the goal's own indicator: nobody reports it in a round
    bare: Measure  # the officer's, no indicators
    foreign: Measure  # led by another authority


@pytest.fixture
def setting(itd, officer, space, authority) -> Setting:
    goal, measure, (of_goal, first) = tree(space=space, authority=authority)
    second = Indicator.objects.create(
        goal=goal,
        measure=measure,
        name="Verfahren digital",
        unit="Anzahl",
        baseline_value=D(0),
        baseline_on=first.baseline_on,
        target_value=D(12),
        target_on=first.target_on,
    )
    bare = Measure.objects.create(
        goal=goal,
        code=f"{goal.code}.2",
        title="Ohne Kennzahl",
        lead_authority=authority,
        starts_on=measure.starts_on,
        ends_on=measure.ends_on,
    )
    _g, foreign, _i = tree(space=space, authority=Authority.objects.get(code="BUKEA"))
    round_ = services.round_open(
        actor=itd,
        name="2026/1",
        period_start=today() - dt.timedelta(days=90),
        period_end=today(),
        deadline=today() + dt.timedelta(days=14),
        spaces=[space],
    )
    return Setting(round_, measure, first, second, of_goal, bare, foreign)


def _submission(s: Setting, measure: Measure | None = None) -> Submission:
    return Submission.objects.get(round=s.round_, measure=measure or s.measure)


def _state() -> tuple[list[Any], list[Any]]:
    """Everything an import could change."""
    return (
        sorted(Submission.objects.values_list("pk", "status", "rating", "light", "text")),
        sorted(
            SubmittedValue.objects.values_list("submission", "indicator", "on", "value", "comment")
        ),
    )


def _parse(text: str) -> Rows:
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def _csv(rows: Rows, header: tuple[str, ...] = exchange.COLUMNS) -> bytes:
    out = io.StringIO(newline="")
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return out.getvalue().encode("utf-8")


def _row(measure: Measure, indicator: Indicator | None = None, **cells: str) -> dict[str, str]:
    row = {"Maßnahme": measure.code, "Umsetzungsstand": "limited", "Ampel": "amber"}
    row["Bericht"] = "Pilot läuft."
    if indicator is not None:
        row |= {"Kennzahl-ID": str(indicator.pk), "Stichtag": ON.isoformat(), "Wert": "45,5"}
    return row | {key.replace("_", "-"): value for key, value in cells.items()}


def _good(s: Setting) -> Rows:
    return [_row(s.measure, s.first), _row(s.measure, s.second, Wert="3"), _row(s.bare)]


def _import(
    actor: Actor, s: Setting, content: bytes, submit: bool = False
) -> exchange.ImportResult:
    return exchange.round_csv_import(actor=actor, round_=s.round_, content=content, submit=submit)


# --- The export -----------------------------------------------------------------------------


def test_the_export_has_one_row_per_indicator_and_per_measure_without(officer, setting):
    services.submission_save(
        actor=officer,
        submission=_submission(setting),
        rating="limited",
        light="amber",
        text="Pilot läuft;\nin zwei Bezirken.",
        values=[services.ValueInput(setting.first, ON, D("45.5"), "geschätzt")],
    )
    text = exchange.round_csv(setting.round_, officer)
    assert text.splitlines()[0] == "\ufeff" + ";".join(exchange.COLUMNS)
    rows = _parse(text)
    # The officer sees the reports of their authority only: not the foreign measure's.
    assert [(r["Maßnahme"], r["Kennzahl-ID"]) for r in rows] == [
        (setting.measure.code, str(setting.first.pk)),
        (setting.measure.code, str(setting.second.pk)),
        (setting.bare.code, ""),
    ]
    first = rows[0]
    assert first["Titel der Maßnahme"] == "Maßnahme" and first["Federführende Behörde"] == "BVM"
    assert (first["Status"], first["Umsetzungsstand"], first["Ampel"]) == (
        "draft",
        "limited",
        "amber",
    )
    assert first["Bericht"] == "Pilot läuft;\nin zwei Bezirken."
    assert (first["Stichtag"], first["Wert"], first["Kommentar"]) == (
        ON.isoformat(),
        "45,5",
        "geschätzt",
    )
    assert first["Kennzahl"] == "Anteil online" and first["Einheit"] == "%"
    assert rows[1]["Wert"] == rows[1]["Stichtag"] == ""
    assert len(_parse(exchange.round_csv(setting.round_, None))) == 0


def test_itd_exports_every_report_of_the_round(itd, setting):
    codes = {r["Maßnahme"] for r in _parse(exchange.round_csv(setting.round_, itd))}
    assert codes == {setting.measure.code, setting.bare.code, setting.foreign.code}


# --- The round trip -------------------------------------------------------------------------


def test_an_unchanged_export_stores_the_same_figures_and_a_changed_value_exactly(officer, setting):
    services.submission_save(
        actor=officer,
        submission=_submission(setting),
        rating="limited",
        light="amber",
        text='Pilot "läuft";\r\nzweite Zeile',
        values=[
            services.ValueInput(setting.first, ON, D("45.5"), "Quelle: Statistikamt"),
            services.ValueInput(setting.second, ON, D("-1234.0001")),
        ],
    )
    before = _state()
    exported = exchange.round_csv(setting.round_, officer)
    result = _import(officer, setting, exported.encode("utf-8"))
    assert result.ok, result.errors
    assert (result.reports, result.values) == (2, 2)
    assert _state() == before

    changed = exported.replace(";45,5;", ";46,125;")
    assert changed != exported
    assert _import(officer, setting, changed.encode("utf-8")).ok
    stored = SubmittedValue.objects.get(indicator=setting.first)
    assert stored.value == D("46.125") and isinstance(stored.value, Decimal)
    assert stored.comment == "Quelle: Statistikamt"
    assert SubmittedValue.objects.get(indicator=setting.second).value == D("-1234.0001")


def test_a_filled_in_template_is_stored_and_submitted(officer, setting):
    rows = _good(setting)
    rows[2]["Bericht"] = rows[0]["Bericht"]
    result = _import(officer, setting, _csv(rows), submit=True)
    assert result.ok, result.errors
    submission = _submission(setting)
    assert (submission.status, submission.rating, submission.light) == (
        "submitted",
        "limited",
        "amber",
    )
    assert _submission(setting, setting.bare).status == "submitted"
    assert {v.indicator_id: v.value for v in submission.reported_values.all()} == {
        setting.first.pk: D("45.5"),
        setting.second.pk: D(3),
    }


def test_an_empty_value_clears_it_and_a_missing_row_keeps_it(officer, setting):
    assert _import(officer, setting, _csv(_good(setting))).ok
    rows = [_row(setting.measure, setting.first, Stichtag="", Wert="")]
    assert _import(officer, setting, _csv(rows)).ok
    assert list(SubmittedValue.objects.values_list("indicator", "value")) == [
        (setting.second.pk, D(3))
    ]


def test_what_german_excel_writes_back_is_understood(officer, setting):
    """Excel turns a recognised date into 31.12.2026 when it saves; people type "gelb"."""
    rows = [_row(setting.measure, setting.first, Stichtag=ON.strftime("%d.%m.%Y"), Ampel="Gelb")]
    assert _import(officer, setting, _csv(rows)).ok
    assert SubmittedValue.objects.get().on == ON
    assert _submission(setting).light == "amber"


def test_formula_cells_are_defused_on_export_and_read_back_unchanged(officer, setting):
    text = '=HYPERLINK("http://example.org";"x")'
    services.submission_save(
        actor=officer,
        submission=_submission(setting),
        rating="",
        light="",
        text=text,
        values=[
            services.ValueInput(setting.first, ON, D(-5), "-5 gegenüber Vorjahr"),
            services.ValueInput(setting.second, ON, D(1), "'=schon mit Apostroph"),
        ],
    )
    exported = exchange.round_csv(setting.round_, officer)
    rows = _parse(exported)
    assert rows[0]["Bericht"] == "'" + text
    assert rows[0]["Kommentar"] == "'-5 gegenüber Vorjahr"
    assert rows[0]["Wert"] == "-5", "a number is not a formula"
    assert rows[1]["Kommentar"] == "''=schon mit Apostroph"
    before = _state()
    assert _import(officer, setting, exported.encode("utf-8")).ok
    assert _state() == before
    assert _submission(setting).text == text


# --- Bad files: refused with line and column, nothing stored --------------------------------

Case = Callable[[Setting, Rows], bytes]


def _with(index: int, **cells: str) -> Case:
    def change(s: Setting, rows: Rows) -> bytes:
        rows[index] |= {key.replace("_", "-"): value for key, value in cells.items()}
        return _csv(rows)

    return change


def _header(header: tuple[str, ...]) -> Case:
    return lambda s, rows: _csv(rows, header)


def _extra(make: Callable[[Setting], dict[str, str]]) -> Case:
    return lambda s, rows: _csv([*rows, make(s)])


BAD: dict[str, tuple[Case, str]] = {
    "point decimal": (
        _with(0, Wert="4.5"),
        "Zeile 2, Spalte „Wert“: ‚4.5‘ ist keine Zahl in deutscher Schreibweise (z. B. 4,5).",
    ),
    "thousands": (
        _with(0, Wert="1.234,5"),
        "Zeile 2, Spalte „Wert“: ‚1.234,5‘ enthält Tausendertrennzeichen: bitte ohne schreiben",
    ),
    "thousands without decimals": (
        _with(1, Wert="1.234"),
        "Zeile 3, Spalte „Wert“: ‚1.234‘ enthält Tausendertrennzeichen",
    ),
    "five places": (_with(0, Wert="1,00001"), "Spalte „Wert“: ‚1,00001‘ hat mehr als vier"),
    "too large": (_with(0, Wert="1" + "0" * 14), "ist zu groß"),
    "bad date": (
        _with(1, Stichtag="2026-02-30"),
        "Zeile 3, Spalte „Stichtag“: ‚2026-02-30‘ ist kein gültiges Datum (JJJJ-MM-TT",
    ),
    "value without date": (_with(0, Stichtag=""), "Zeile 2, Spalte „Stichtag“: Zum Wert fehlt"),
    "unknown rating": (
        _with(0, Umsetzungsstand="super"),
        "Zeile 2, Spalte „Umsetzungsstand“: ‚super‘ ist kein",
    ),
    "rows disagree": (
        _with(1, Ampel="red"),
        "Zeile 3, Spalte „Ampel“: weicht von Zeile 2 ab: alle Zeilen einer Maßnahme tragen",
    ),
    "duplicate row": (
        lambda s, rows: _csv([*rows, rows[0]]),
        "Zeile 5, Spalte „Kennzahl-ID“: Doppelte Zeile: Maßnahme und Kennzahl stehen schon in "
        "Zeile 2.",
    ),
    "measure not in the round": (
        _with(2, Maßnahme="XY-9.9"),
        "Zeile 4, Spalte „Maßnahme“: Die Maßnahme ‚XY-9.9‘ gehört nicht zur Berichtsrunde "
        "„2026/1“.",
    ),
    "another authority's measure": (
        _extra(lambda s: _row(s.foreign)),
        "Zeile 5: Die Meldung zur Maßnahme",
    ),
    "indicator of another measure": (
        lambda s, rows: _with(1, Kennzahl_ID=str(s.foreign.indicators.get().pk))(s, rows),
        "Zeile 3, Spalte „Kennzahl-ID“: Die Kennzahl",
    ),
    "not an indicator id": (_with(1, Kennzahl_ID="0"), "‚0‘ ist keine Kennzahl-ID"),
    "the goal's indicator": (
        _extra(lambda s: _row(s.measure, s.of_goal)),
        "Zeile 5, Spalte „Kennzahl-ID“: Die Kennzahl",
    ),
    "unknown column": (
        _header(tuple("Werte" if c == "Wert" else c for c in exchange.COLUMNS)),
        "Zeile 1: Unbekannte Spalten: „Werte“.",
    ),
    "missing column": (
        _header(tuple(c for c in exchange.COLUMNS if c != "Kommentar")),
        "Zeile 1: Es fehlen die Spalten: „Kommentar“.",
    ),
    "comma separated": (
        lambda s, rows: _csv(rows).replace(b";", b","),
        "Zeile 1: Die Spalten sind nicht durch Semikolon (;) getrennt.",
    ),
    "too many cells": (
        lambda s, rows: _csv(rows).replace(b"\r\n", b";x\r\n", 2).replace(b";x", b"", 1),
        "Zeile 2: Die Zeile hat mehr Zellen als die Kopfzeile Spalten.",
    ),
    "control characters": (
        _with(0, Bericht="a\x07b"),
        "Spalte „Bericht“: Der Text enthält Steuerzeichen.",
    ),
    "comment too long": (_with(0, Kommentar="x" * 1001), "länger als 1000 Zeichen"),
    "empty": (lambda s, rows: b"", "Die Datei ist leer."),
    "only a BOM": (lambda s, rows: "\ufeff\r\n".encode(), "Die Datei ist leer."),
    "only the header": (lambda s, rows: _csv([]), "nur die Kopfzeile"),
    "not UTF-8": (
        lambda s, rows: _csv(rows).decode("utf-8").encode("cp1252", "replace"),
        "Die Datei ist nicht in UTF-8 gespeichert (Zeile 1).",
    ),
    "over 5 MB": (
        lambda s, rows: _csv(rows) + b" " * exchange.MAX_BYTES,
        "Die Datei ist größer als 5 MB",
    ),
    # The service's own refusals, at the line and column they are about.
    "value in the future": (
        _with(1, Stichtag=(today() + dt.timedelta(days=3)).isoformat()),
        "Zeile 3, Spalte „Stichtag“: Der Stichtag darf nicht in der Zukunft liegen.",
    ),
    "before the baseline": (
        _with(0, Stichtag=(today() - dt.timedelta(days=400)).isoformat()),
        "Zeile 2, Spalte „Stichtag“: Der Stichtag muss nach dem Stand des Ausgangswerts",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_file_is_refused_with_its_place_and_nothing_is_stored(officer, setting, case):
    make, message = BAD[case]
    before = _state()
    result = _import(officer, setting, make(setting, _good(setting)))
    assert not result.ok
    assert any(message in error for error in result.errors), result.errors
    assert _state() == before


def test_one_refused_report_rolls_back_the_others_saved_before_it(officer, setting):
    """The first measure passes the service, the second fails it: neither is stored."""
    rows = _good(setting)
    rows[2]["Umsetzungsstand"] = ""
    before = _state()
    result = _import(officer, setting, _csv(rows), submit=True)
    assert result.errors == [
        "Zeile 4, Spalte „Umsetzungsstand“: Zum Einreichen bitte den Umsetzungsstand wählen."
    ]
    assert _state() == before


def test_a_submitted_report_is_refused_with_its_lines(officer, setting):
    assert _import(officer, setting, _csv(_good(setting)[:2]), submit=True).ok
    before = _state()
    result = _import(officer, setting, _csv(_good(setting)))
    assert result.errors == [
        f"Zeilen 2–3: Die Meldung zur Maßnahme ‚{setting.measure.code}‘ ist eingereicht: "
        "Ändern geht erst, wenn ITD sie zurückgibt."
    ]
    assert _state() == before


def test_a_frozen_round_refuses_with_the_reason(itd, officer, setting):
    services.round_freeze(actor=itd, round_=setting.round_)
    result = _import(officer, setting, _csv(_good(setting)))
    assert result.errors == [str(services.FROZEN)]
    assert not SubmittedValue.objects.exists()


@pytest.mark.parametrize("role", ["member", "coordinator", "itd"])
def test_only_the_lead_authoritys_officers_import(
    request: pytest.FixtureRequest, officer, setting, role
):
    """SUBMISSION "write" is the lead authority's officers': ITD reviews, it does not report."""
    actor = request.getfixturevalue(role)
    before = _state()
    result = _import(actor, setting, exchange.round_csv(setting.round_, officer).encode())
    assert result.errors and all("dürfen Sie nicht schreiben" in e for e in result.errors)
    assert result.errors[0].startswith("Zeilen 2–3: Die Meldung zur Maßnahme")
    assert _state() == before


# --- Size ------------------------------------------------------------------------------------


def _many(s: Setting, count: int) -> Indicator:
    """`count` more indicators of the officer's measure, in one statement."""
    Indicator.objects.bulk_create(
        Indicator(
            goal=s.first.goal,
            measure=s.measure,
            name=f"Kennzahl {n:05d}",
            unit="Anzahl",
            baseline_value=D(0),
            baseline_on=s.first.baseline_on,
            target_value=D(100),
            target_on=s.first.target_on,
        )
        for n in range(count)
    )
    return s.first


def test_ten_thousand_rows_are_taken(officer, setting):
    _many(setting, exchange.MAX_ROWS - 2)
    indicators = Indicator.objects.filter(measure=setting.measure).order_by("pk")
    rows = [_row(setting.measure, i, Wert=f"{n},25") for n, i in enumerate(indicators)]
    assert len(rows) == exchange.MAX_ROWS
    started = time.perf_counter()
    result = _import(officer, setting, _csv(rows))
    seconds = time.perf_counter() - started
    print(f"\n10,000 rows imported in {seconds:.1f} s")  # noqa: T201  # the brief asks for it
    assert result.ok, result.errors[:3]
    assert SubmittedValue.objects.count() == exchange.MAX_ROWS
    assert SubmittedValue.objects.get(indicator=indicators.last()).value == D("9999.25")
    assert len(_parse(exchange.round_csv(setting.round_, officer))) == exchange.MAX_ROWS + 1


def test_ten_thousand_and_one_rows_are_refused(officer, setting):
    rows = [_row(setting.measure, setting.first)] * (exchange.MAX_ROWS + 1)
    result = _import(officer, setting, _csv(rows))
    assert result.errors == [
        "Die Datei hat mehr als 10.000 Datenzeilen: bitte in mehreren Teilen hochladen."
    ]
    assert not SubmittedValue.objects.exists()
