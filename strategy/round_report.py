"""The round report (Rundenbericht) for the state secretaries: per space of a reporting round its
goals, the measures with both ratings and the light, the indicators with a small chart and its
table, and the measures' budget; as PDF and as XLSX, written through the report archive.

`reports` stands below this app and cannot import it: `register()` (AppConfig.ready) adds the
kind "round" to reports.registry, and the archive requests, writes, keeps and removes these
reports like its own. Who sees and downloads one is the archive's rule for its scope (all spaces
of the round: ITD; one space: ITD and that space's coordinators).

What the report says is the round's frozen snapshot, exactly what its digest seals; an open
round is read as it stands now (snapshots.build, the same shape) and every page says "Entwurf:
Runde noch offen". Ratings, lights, lateness and a disagreement of ITD with the self-assessment
are written as words, never as colour alone.

Budget: each measure's figures are the snapshot's (all years of its projects, summed in SQL at
the freeze); a space's sum adds its measures' figures, so a project that serves two measures
counts in each (the report says so). A requester who may not see the budget of every project of
a measure (projects.permissions, "see_budget") gets "nicht ausgewiesen" for it and sums without
it; the count of such measures is stated, never hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import pdf
from core.audiences import Viewer
from core.dates import format_date, format_datetime
from core.tabular import Sheet, XlsxBook, money
from projects.models import Project
from projects.permissions import budget_condition
from projects.selectors.money import Figures
from reports.content import Meta
from reports.models import Format, Kind, Report, Scope
from reports.registry import KindSpec, Progress, register_kind
from spaces.models import Space

from . import snapshots
from .models import Direction, Light, Rating, Round, Submission
from .permissions import ROUND
from .progress import Status
from .selectors import Chart, line_chart

# --- What the report says ----------------------------------------------------------------------


@dataclass
class IndicatorPart:
    key: str  # unique in the report: the SVG's ids
    name: str
    unit: str
    direction: str
    of: str  # the goal's or the measure's code
    baseline: tuple[dt.date, Decimal]
    target: tuple[dt.date, Decimal]
    latest: tuple[dt.date, Decimal] | None
    expected: Decimal | None
    status: str
    path: list[tuple[dt.date, Decimal]]
    values: list[tuple[dt.date, Decimal]]
    chart: Chart


@dataclass
class MeasurePart:
    code: str
    title: str
    lead_authority: str
    report_status: str
    rating: str
    itd_rating: str
    differs: bool
    light: str
    late: bool
    budget: Figures | None  # None: not shown to this requester


@dataclass
class GoalPart:
    code: str
    title: str
    measures: list[MeasurePart] = field(default_factory=list)
    indicators: list[IndicatorPart] = field(default_factory=list)


@dataclass
class SpacePart:
    slug: str
    name: str
    goals: list[GoalPart] = field(default_factory=list)
    budget: Figures = field(default_factory=Figures)
    hidden: int = 0  # measures whose budget this requester may not see

    @property
    def measures(self) -> list[MeasurePart]:
        return [m for g in self.goals for m in g.measures]

    @property
    def indicators(self) -> list[IndicatorPart]:
        return [i for g in self.goals for i in g.indicators]


@dataclass
class RoundReport:
    meta: Meta
    name: str
    period: tuple[dt.date, dt.date]
    deadline: dt.date
    draft: bool  # the round is open: the state now, not a frozen one
    frozen_at: dt.datetime | None
    frozen_by: str
    digest: str
    spaces: list[SpacePart]

    @property
    def budget(self) -> Figures:
        total = Figures()
        for space in self.spaces:
            total.add(space.budget)
        return total

    @property
    def hidden(self) -> int:
        return sum(s.hidden for s in self.spaces)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _pair(pair: list[str]) -> tuple[dt.date, Decimal]:
    return _date(pair[0]), Decimal(pair[1])


def _label(choices: Any, key: str | None) -> str:
    return str(choices(key).label) if key in choices.values else "–"


def _english() -> bool:
    return (translation.get_language() or "de").startswith("en")


def _indicator(data: dict[str, Any], of: str) -> IndicatorPart:
    status = _label(Status, data["status"])
    baseline, target = _pair(data["baseline"]), _pair(data["target"])
    path = [_pair(p) for p in data["path"]]
    values = [_pair(v[:2]) for v in data["values"]]
    after = [v for v in values if v[0] > baseline[0]]
    return IndicatorPart(
        key=str(data["id"]),
        name=data["name"],
        unit=data["unit"],
        direction=_label(Direction, data["direction"]),
        of=of,
        baseline=baseline,
        target=target,
        # The value the status was computed from: the latest after the baseline.
        latest=after[-1] if after else None,
        expected=None if data["expected"] is None else Decimal(data["expected"]),
        status=status,
        path=path,
        values=values,
        chart=line_chart(
            name=data["name"],
            status=status,
            baseline=baseline,
            target=target,
            path=path,
            values=values,
        ),
    )


def _figures(budget: dict[str, str]) -> Figures:
    return Figures(
        planned=Decimal(budget["planned"]),
        revised=Decimal(budget["revised"]),
        committed=Decimal(budget["committed"]),
        actual=Decimal(budget["actual"]),
    )


def _measure(data: dict[str, Any], seen: set[int]) -> MeasurePart:
    report = data["report"] or {}
    rating, itd_rating = report.get("rating", ""), report.get("itd_rating", "")
    shown = all(p["id"] in seen for p in data["projects"])
    lead = data.get("lead_authority_en") if _english() else None
    return MeasurePart(
        code=data["code"],
        title=data["title"],
        lead_authority=lead or data["lead_authority"],
        report_status=_label(Submission.Status, report["status"]) if report else _("keine Meldung"),
        rating=_label(Rating, rating),
        itd_rating=_label(Rating, itd_rating),
        differs=bool(rating and itd_rating and rating != itd_rating),
        light=_label(Light, report.get("light")),
        late=bool(report.get("late")),
        budget=_figures(data["budget"]) if shown else None,
    )


def _budget_seen(requester: Viewer, spaces: list[dict[str, Any]]) -> set[int]:
    """The projects of the report's measures whose budget the requester may see now."""
    ids = {
        p["id"] for s in spaces for g in s["goals"] for m in g["measures"] for p in m["projects"]
    }
    condition = budget_condition(requester)
    if condition is None or not ids:
        return set()
    return set(Project.objects.filter(pk__in=ids).filter(condition).values_list("pk", flat=True))


def _space(data: dict[str, Any], seen: set[int]) -> SpacePart:
    name = data.get("name_en") if _english() else None
    part = SpacePart(slug=data["slug"], name=name or data["name"])
    for goal in data["goals"]:
        goal_part = GoalPart(code=goal["code"], title=goal["title"])
        goal_part.indicators = [_indicator(i, goal["code"]) for i in goal["indicators"]]
        for measure in goal["measures"]:
            measure_part = _measure(measure, seen)
            goal_part.measures.append(measure_part)
            goal_part.indicators += [_indicator(i, measure["code"]) for i in measure["indicators"]]
            if measure_part.budget is None:
                part.hidden += 1
            else:
                part.budget.add(measure_part.budget)
        part.goals.append(goal_part)
    return part


def content(report: Report, meta: Meta) -> RoundReport:
    """The round report as `report` asks for it (its round, all spaces or one), read from the
    frozen snapshot or, for an open round, from the state now."""
    assert report.subject_id is not None  # a database constraint of the round report
    round_ = Round.objects.select_related("frozen_by").get(pk=report.subject_id)
    draft = not (round_.is_frozen and round_.snapshot)
    data = snapshots.build(round_, at=timezone.now()) if draft else round_.snapshot
    assert data is not None
    spaces = data["spaces"]
    if report.scope == Scope.SPACE:
        spaces = [s for s in spaces if report.space is not None and s["slug"] == report.space.slug]
    seen = _budget_seen(report.requested_by, spaces) if report.requested_by else set()
    if draft:
        meta.title = _("%(title)s (Entwurf: Runde noch offen)") % {"title": meta.title}
    return RoundReport(
        meta=meta,
        name=round_.name,
        period=(round_.period_start, round_.period_end),
        deadline=round_.deadline,
        draft=draft,
        frozen_at=None if draft else round_.frozen_at,
        frozen_by=round_.frozen_by.get_full_name() if round_.frozen_by else "",
        digest="" if draft else round_.digest,
        spaces=[_space(s, seen) for s in spaces],
    )


# --- PDF ---------------------------------------------------------------------------------------


def write_pdf(report: Report, meta: Meta, target: Path, progress: Progress) -> int:
    data = content(report, meta)
    progress(50)
    html = render_to_string("strategy/pdf/round_report.html", {"data": data, "meta": data.meta})
    pdf.write_pdf(html, target)
    return sum(len(s.measures) + len(s.indicators) for s in data.spaces)


# --- XLSX --------------------------------------------------------------------------------------


def _figure_headers() -> list[str]:
    return [_("Plan"), _("fortgeschriebener Plan"), _("gebunden"), _("Ist"), _("verfügbar")]


def _figure_cells(figures: Figures | None) -> list[Any]:
    if figures is None:
        return [None] * 5
    return [
        money(figures.planned),
        money(figures.revised),
        money(figures.committed),
        money(figures.actual),
        money(figures.remaining),
    ]


def _not_shown() -> str:
    return _(
        "Budget nicht ausgewiesen: Sie dürfen das Budget nicht aller Projekte dieser "
        "Maßnahme sehen."
    )


def _sums() -> tuple[str, ...]:
    return (_("Summe der Maßnahmen"), _("Summe"))


def _overview_rows(data: RoundReport) -> Iterator[list[Any]]:
    blank = [None] * 5
    yield [_("Bericht"), data.meta.title, *blank]
    yield [_("Berichtsrunde"), data.name, *blank]
    period = f"{format_date(data.period[0])} – {format_date(data.period[1])}"
    yield [_("Berichtszeitraum"), period, *blank]
    yield [_("Abgabefrist"), data.deadline, *blank]
    if data.draft:
        yield [_("Stand"), _("Entwurf: Runde noch offen"), *blank]
    else:
        yield [_("eingefroren am"), format_datetime(data.frozen_at), *blank]
        yield [_("Prüfsumme (SHA-256, verkettet)"), data.digest, *blank]
    yield [_("Umfang"), data.meta.scope, *blank]
    yield [_("erstellt am"), format_datetime(data.meta.created), *blank]
    yield [_("angefordert von"), data.meta.requester, *blank]
    for space in data.spaces:
        yield [space.name, len(space.measures), *_figure_cells(space.budget)]
    yield [_("Summe"), sum(len(s.measures) for s in data.spaces), *_figure_cells(data.budget)]
    yield [_("Hinweis"), _budget_note(data), *blank]


def _budget_note(data: RoundReport) -> str:
    note = _(
        "Die Summen addieren die Maßnahmen: Ein Projekt, das mehreren Maßnahmen dient, zählt "
        "bei jeder."
    )
    if data.hidden:
        note += " " + _("%(n)s Maßnahmen ohne ausgewiesenes Budget sind nicht mitgezählt.") % {
            "n": data.hidden
        }
    return note


def _measure_rows(space: SpacePart) -> Iterator[list[Any]]:
    for goal in space.goals:
        for m in goal.measures:
            yield [
                goal.code,
                m.code,
                m.title,
                m.lead_authority,
                m.report_status,
                m.rating,
                m.itd_rating,
                _("weicht ab") if m.differs else None,
                m.light,
                m.late,
                *_figure_cells(m.budget),
                _not_shown() if m.budget is None else None,
            ]
    yield [_("Summe der Maßnahmen"), *[None] * 9, *_figure_cells(space.budget)]


def _indicator_rows(data: RoundReport) -> Iterator[list[Any]]:
    for space in data.spaces:
        for i in space.indicators:
            yield [
                space.name,
                i.of,
                i.name,
                i.unit,
                i.direction,
                i.baseline[1],
                i.baseline[0],
                i.target[1],
                i.target[0],
                None if i.latest is None else i.latest[1],
                None if i.latest is None else i.latest[0],
                i.expected,
                i.status,
            ]


def _value_rows(data: RoundReport) -> Iterator[list[Any]]:
    for space in data.spaces:
        for i in space.indicators:
            for on, value in i.values:
                yield [space.name, i.of, i.name, on, value]


def sheets(data: RoundReport) -> list[Sheet]:
    measure_header = [
        _("Ziel"),
        _("Maßnahme"),
        _("Titel"),
        _("federführende Behörde"),
        _("Meldung"),
        _("Selbsteinschätzung"),
        _("Einschätzung ITD"),
        _("Abweichung"),
        _("Ampel"),
        _("nach der Frist"),
        *_figure_headers(),
        _("Hinweis"),
    ]
    return [
        Sheet(
            _("Übersicht"),
            [_("Bezeichnung"), _("Wert / Maßnahmen"), *_figure_headers()],
            _overview_rows(data),
            emphasise=_sums(),
        ),
        *(
            Sheet(space.name, measure_header, _measure_rows(space), emphasise=_sums())
            for space in data.spaces
        ),
        Sheet(
            _("Kennzahlen"),
            [
                _("Raum"),
                _("von"),
                _("Kennzahl"),
                _("Einheit"),
                _("Richtung"),
                _("Ausgangswert"),
                _("Stand des Ausgangswerts"),
                _("Zielwert"),
                _("Zieldatum"),
                _("letzter Wert"),
                _("Stichtag"),
                _("Pfadwert"),
                _("Stand"),
            ],
            _indicator_rows(data),
        ),
        Sheet(
            _("Messwerte"),
            [_("Raum"), _("von"), _("Kennzahl"), _("Stichtag"), _("Wert")],
            _value_rows(data),
        ),
    ]


def write_xlsx(report: Report, meta: Meta, target: Path, progress: Progress) -> int:
    data = content(report, meta)
    progress(30)
    book = XlsxBook(str(target), tmpdir=str(target.parent))
    rows = 0
    for sheet in sheets(data):
        rows += book.add(sheet)
    book.close()
    return rows


# --- The kind in the archive -------------------------------------------------------------------


def describe(subject_id: int, scope: str, space: Space | None) -> str:
    """The round's name for the archive; ValidationError when there is no such round or the
    space is not one of it."""
    round_ = Round.objects.filter(pk=subject_id).first()
    if round_ is None:
        raise ValidationError(_("Diese Berichtsrunde gibt es nicht."))
    if scope == Scope.SPACE and (space is None or not round_.spaces.filter(pk=space.pk).exists()):
        raise ValidationError({"scope": _("Dieser Raum gehört nicht zur Berichtsrunde.")})
    return round_.name


def may_request(user: Viewer, subject_id: int) -> bool:
    round_ = Round.objects.filter(pk=subject_id).first()
    return round_ is not None and ROUND.can(user, "request_report", round_)


def register() -> None:
    register_kind(
        KindSpec(
            key=Kind.ROUND,
            writers={Format.PDF: write_pdf, Format.XLSX: write_xlsx},
            describe=describe,
            may_request=may_request,
            subject_url=lambda pk: reverse("strategy:round", args=[pk]),
        )
    )
