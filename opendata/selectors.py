"""Reads of open data: the live publications and, for each, its table, read at request time.

Nothing published is stored: the public projects come from the scope of an anonymous visitor
(`Project.objects.visible_to(AnonymousUser())`), so a project made internal leaves the dataset
at once; the programme budget from the one money module, the same figures the landing page
shows citizens; a round's indicators from its frozen snapshot; a budget report's sums per space
and lead authority from the money module for the report's fiscal year. No column holds a
person: no contact person, no officer responsible, no requester, no report text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from core.audiences import Viewer
from core.rules import EVERYTHING
from projects.models import BudgetLine, ProgrammeBudget, Project
from projects.selectors.money import (
    Figures,
    programme_by_year,
    published_aggregates,
    year_report,
)
from strategy import progress
from strategy.models import Round

from .models import Kind, Publication

# The language of the files: German, as the Transparenzportal (the catalog adds English titles).
LANGUAGE = "de"


@dataclass(frozen=True)
class Column:
    """A column of a published table: its name in the CSV header, its title, its CSVW datatype
    (https://www.w3.org/TR/tabular-data-primer/#datatypes) and what it says."""

    name: str
    title: str
    datatype: str
    description: str = ""


@dataclass
class Table:
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Facts about the whole table (the JSON distribution states them beside the rows).
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class Dataset:
    publication: Publication
    table: Table
    modified: dt.datetime


def live(user: Viewer = None) -> QuerySet[Publication]:
    """The publications everyone sees (not withdrawn), in the order of the page and catalog."""
    return (
        Publication.objects.visible_to(user or AnonymousUser())
        .select_related("round", "report__fiscal_year")
        .order_by("kind", "-published_at", "pk")
    )


def for_manager(user: Viewer) -> QuerySet[Publication]:
    """All publications, withdrawn ones too, for whoever manages them (ITD)."""
    return (
        Publication.objects.restrict(user, "manage")
        .select_related("round", "report__fiscal_year", "published_by")
        .order_by("withdrawn_at", "kind", "-published_at", "pk")
    )


def public_projects() -> QuerySet[Project]:
    """The projects an anonymous visitor sees: computed now, never a stored list."""
    return (
        Project.objects.visible_to(AnonymousUser())
        .select_related("primary_space", "lead_authority")
        .order_by("title", "pk")
    )


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


# --- The four kinds ---------------------------------------------------------------------------


def _projects_table(base_url: str) -> Table:
    columns = [
        Column("kurzname", _("Kurzname"), "string", _("Teil der Adresse der Projektseite")),
        Column("titel", _("Titel"), "string"),
        Column("kurzbeschreibung", _("Kurzbeschreibung"), "string"),
        Column("digitaler_raum", _("Digitaler Raum (federführend)"), "string"),
        Column("federfuehrende_behoerde", _("federführende Behörde"), "string"),
        Column("status", _("Status"), "string"),
        Column("beginn", _("Beginn"), "date"),
        Column("ende", _("Ende"), "date"),
        Column("adresse", _("Projektseite"), "anyURI"),
    ]
    rows = [
        {
            "kurzname": p.slug,
            "titel": p.title,
            "kurzbeschreibung": p.summary,
            "digitaler_raum": p.primary_space.name_de,
            "federfuehrende_behoerde": p.lead_authority.name_de,
            "status": str(Project.Status(p.status).label),
            "beginn": p.start,
            "ende": p.end,
            "adresse": base_url + p.get_absolute_url(),
        }
        for p in public_projects()
    ]
    return Table(columns, rows)


TOTAL = "gesamt"


def _budget_table() -> Table:
    """Exactly the figures the landing page shows citizens (projects.selectors.money
    `published_aggregates`: the programme budget, the ITD strategy budget's revised plan and
    actual over all years), and their parts per fiscal year."""
    published = published_aggregates()
    columns = [
        Column(
            "haushaltsjahr",
            _("Haushaltsjahr"),
            "string",
            _("Das Haushaltsjahr, oder „gesamt“ für die Summe aller Jahre"),
        ),
        Column(
            "programmbudget_eur",
            _("Programmbudget (Euro)"),
            "decimal",
            _("Das Programmbudget der Strategie; nur in der Zeile „gesamt“"),
        ),
        Column(
            "fortgeschriebener_plan_eur",
            _("fortgeschriebener Plan (Euro)"),
            "decimal",
            _("Anteil des ITD-Strategiebudgets, Vollkosten"),
        ),
        Column("ist_eur", _("Ist (Euro)"), "decimal", _("Anteil des ITD-Strategiebudgets")),
    ]
    rows: list[dict[str, Any]] = [
        {
            "haushaltsjahr": str(year),
            "programmbudget_eur": None,
            "fortgeschriebener_plan_eur": _money(figures.revised),
            "ist_eur": _money(figures.actual),
        }
        for year, figures in programme_by_year().items()
    ]
    programme: Figures = published["programme"]
    rows.append(
        {
            "haushaltsjahr": TOTAL,
            "programmbudget_eur": _money(published["budget"].amount),
            "fortgeschriebener_plan_eur": _money(programme.revised),
            "ist_eur": _money(programme.actual),
        }
    )
    return Table(columns, rows, facts={"programmbudget_eur": _money(published["budget"].amount)})


def _indicator_rows(
    space: dict[str, Any], goal: dict[str, Any], measure: dict[str, Any] | None
) -> Iterable[dict[str, Any]]:
    indicators = goal["indicators"] if measure is None else measure["indicators"]
    for indicator in indicators:
        common = {
            "digitaler_raum": space["name"],
            "ziel_kuerzel": goal["code"],
            "ziel": goal["title"],
            "massnahme_kuerzel": measure["code"] if measure else None,
            "massnahme": measure["title"] if measure else None,
            "kennzahl": indicator["name"],
            "einheit": indicator["unit"],
            "ausgangswert": Decimal(indicator["baseline"][1]),
            "ausgangswert_stichtag": dt.date.fromisoformat(indicator["baseline"][0]),
            "zielwert": Decimal(indicator["target"][1]),
            "zieldatum": dt.date.fromisoformat(indicator["target"][0]),
            "status": str(progress.Status(indicator["status"]).label),
        }
        # The values reported up to the end of the period: date and figure only (their
        # comments and sources are the administration's notes, not published).
        values = indicator["values"] or [[None, None]]
        for on, value, *_notes in values:
            yield {
                **common,
                "stichtag": None if on is None else dt.date.fromisoformat(on),
                "wert": None if value is None else Decimal(value),
            }


def _round_table(round_: Round) -> Table:
    columns = [
        Column("digitaler_raum", _("Digitaler Raum"), "string"),
        Column("ziel_kuerzel", _("Ziel (Kürzel)"), "string"),
        Column("ziel", _("Ziel"), "string"),
        Column(
            "massnahme_kuerzel",
            _("Maßnahme (Kürzel)"),
            "string",
            _("leer bei einer Kennzahl des Ziels"),
        ),
        Column("massnahme", _("Maßnahme"), "string"),
        Column("kennzahl", _("Kennzahl"), "string"),
        Column("einheit", _("Einheit"), "string"),
        Column("ausgangswert", _("Ausgangswert"), "decimal"),
        Column("ausgangswert_stichtag", _("Stand des Ausgangswerts"), "date"),
        Column("zielwert", _("Zielwert"), "decimal"),
        Column("zieldatum", _("Zieldatum"), "date"),
        Column("stichtag", _("Stichtag des Werts"), "date", _("leer, wenn kein Wert gemeldet")),
        Column("wert", _("gemeldeter Wert"), "decimal"),
        Column("status", _("Status am Ende des Berichtszeitraums"), "string"),
    ]
    snapshot = round_.snapshot or {}
    rows = [
        row
        for space in snapshot.get("spaces", [])
        for goal in space["goals"]
        for measure in [None, *goal["measures"]]
        for row in _indicator_rows(space, goal, measure)
    ]
    facts = {
        "berichtsrunde": round_.name,
        "berichtszeitraum": [round_.period_start, round_.period_end],
        "eingefroren_am": round_.frozen_at,
        "pruefsumme_sha256": round_.digest,
    }
    return Table(columns, rows, facts)


def _report_table(publication: Publication) -> Table:
    """The budget report's sums of its fiscal year, per space and per lead authority, for the
    whole strategy (the report's own file is not published: it names its requester)."""
    report = publication.report
    assert report is not None and report.fiscal_year is not None  # constraints and the service
    found = year_report(EVERYTHING, report.fiscal_year.year)
    columns = [
        Column("gruppe", _("Gruppe"), "string", _("raum, behoerde oder gesamt (Summe des Jahres)")),
        Column("bezeichnung", _("Bezeichnung"), "string"),
        Column("plan_eur", _("Plan (Euro)"), "decimal"),
        Column("fortgeschriebener_plan_eur", _("fortgeschriebener Plan (Euro)"), "decimal"),
        Column("gebunden_eur", _("gebunden (Euro)"), "decimal"),
        Column("ist_eur", _("Ist (Euro)"), "decimal"),
    ]

    def row(group: str, label: str, figures: Figures) -> dict[str, Any]:
        return {
            "gruppe": group,
            "bezeichnung": label,
            "plan_eur": _money(figures.planned),
            "fortgeschriebener_plan_eur": _money(figures.revised),
            "gebunden_eur": _money(figures.committed),
            "ist_eur": _money(figures.actual),
        }

    rows = [row("raum", r.label, r.figures) for r in found.by_space]
    rows += [row("behoerde", r.label, r.figures) for r in found.by_authority]
    rows.append(row(TOTAL, str(report.fiscal_year.year), found.total))
    return Table(columns, rows, facts={"haushaltsjahr": report.fiscal_year.year})


def table(publication: Publication, *, base_url: str) -> Table:
    """The publication's table, read now, in German."""
    with translation.override(LANGUAGE):
        if publication.kind == Kind.PROJECTS:
            return _projects_table(base_url)
        if publication.kind == Kind.BUDGET:
            return _budget_table()
        if publication.kind == Kind.STRATEGY_ROUND:
            assert publication.round is not None
            return _round_table(publication.round)
        if publication.kind == Kind.REPORT:
            return _report_table(publication)
    raise ValueError(f"unknown kind {publication.kind!r}")


def data_changed_at(publication: Publication) -> dt.datetime | None:
    """When the data behind a publication last changed (None: not known)."""
    if publication.kind == Kind.PROJECTS:
        found: dt.datetime | None = public_projects().aggregate(at=Max("updated_at"))["at"]
        return found
    if publication.kind == Kind.BUDGET:
        lines = BudgetLine.objects.aggregate(at=Max("updated_at"))["at"]
        budget = ProgrammeBudget.objects.aggregate(at=Max("updated_at"))["at"]
        return max((at for at in (lines, budget) if at is not None), default=None)
    if publication.kind == Kind.STRATEGY_ROUND and publication.round is not None:
        return publication.round.frozen_at
    if publication.kind == Kind.REPORT and publication.report is not None:
        year = publication.report.fiscal_year
        lines = BudgetLine.objects.filter(fiscal_year=year)
        at: dt.datetime | None = lines.aggregate(at=Max("updated_at"))["at"]
        return at
    return None


def modified(publication: Publication) -> dt.datetime:
    """The dataset's modification date: its publication's last change or its data's, whichever
    is later."""
    changed = data_changed_at(publication)
    return max(publication.modified_at, changed) if changed else publication.modified_at


def dataset(publication: Publication, *, base_url: str) -> Dataset:
    return Dataset(
        publication, table(publication, base_url=base_url), modified=modified(publication)
    )
