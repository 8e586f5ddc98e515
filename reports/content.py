"""What a report says: figures and lists read from the database, the same selectors as the
cockpit (projects.selectors.money), so that a report's sums equal the cockpit's to the cent.

Pure reads: nothing here writes, renders or knows a file format (see writers.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

from contacts.models import Authority
from core.dates import today
from projects.models import BudgetLine, CostCategory, FiscalYear, Milestone, Project
from projects.presenters import Chart, health_chart, year_chart
from projects.selectors.cockpit import SpaceStatusRow
from projects.selectors.money import (
    AMOUNTS,
    Figures,
    RollupRow,
    YearReport,
    category_sums,
    over_budget_by_project,
    programme_in_year,
    rollup_programme,
    rollup_rows,
    scoped_lines,
    year_report,
)
from spaces.models import Space

from .models import Report, Scope


@dataclass
class Meta:
    """What every report states on its first page."""

    title: str
    scope: str
    requester: str
    created: dt.datetime
    fiscal_year: FiscalYear | None = None


@dataclass
class CategoryRow:
    project: str
    slug: str
    space: str
    authority: str
    category: str
    figures: Figures


@dataclass
class BudgetReport:
    meta: Meta
    year: YearReport
    # The ITD strategy budget: its share in this year, and all years against the programme
    # budget (as on the cockpit). Only in a report of the whole strategy.
    programme_year: Figures | None = None
    programme: Figures | None = None

    @property
    def empty(self) -> bool:
        return self.year.lines == 0


def _year(report: Report) -> int | None:
    return report.fiscal_year.year if report.fiscal_year else None


def budget_report(report: Report, condition: Q | None, meta: Meta) -> BudgetReport:
    year = _year(report)
    assert year is not None  # a budget report always has its fiscal year (a DB constraint)
    result = BudgetReport(meta=meta, year=year_report(condition, year))
    if report.scope == Scope.PROGRAMME:
        result.programme_year = programme_in_year(year)
        result.programme = rollup_programme()[0]
    return result


def line_count(condition: Q | None, report: Report) -> int:
    return scoped_lines(condition, _year(report)).count()


def category_rows(condition: Q | None, year: int | None) -> Iterator[CategoryRow]:
    """Per project and cost category, in title order (streamed: a cursor on PostgreSQL)."""
    spaces = {s.pk: s.name for s in Space.objects.all()}
    authorities = dict(Authority.objects.values_list("pk", "code"))
    categories = {c.pk: c.label for c in CostCategory.objects.all()}
    for row in category_sums(condition, year).iterator(chunk_size=2000):
        yield CategoryRow(
            project=row["project__title"],
            slug=row["project__slug"],
            space=spaces.get(row["project__primary_space_id"], ""),
            authority=authorities.get(row["project__lead_authority_id"], ""),
            category=categories.get(row["category_id"], ""),
            figures=Figures.from_row(row),
        )


def category_table(condition: Q | None, year: int | None) -> QuerySet[BudgetLine, tuple[Any, ...]]:
    """What `category_rows` yields, as a SELECT of its ten columns in the same order: project,
    short name, space, lead authority, cost category (the names in the active language, as
    their models give them), planned, revised, committed, actual and remaining; for the rows
    PostgreSQL writes (core.xlsx_stream)."""
    spaces = [When(project__primary_space_id=s.pk, then=Value(s.name)) for s in Space.objects.all()]
    categories = [When(category_id=c.pk, then=Value(c.label)) for c in CostCategory.objects.all()]
    text: CharField[str, str] = CharField()
    return (
        category_sums(condition, year)
        .annotate(
            space_label=Case(*spaces, default=Value(""), output_field=text),
            authority_code=F("project__lead_authority__code"),
            category_label=Case(*categories, default=Value(""), output_field=text),
            # Figures.remaining: the revised plan less committed and actual.
            remaining_sum=F("revised") - F("committed") - F("actual"),
        )
        .values_list(
            "project__title",
            "project__slug",
            "space_label",
            "authority_code",
            "category_label",
            *AMOUNTS,
            "remaining_sum",
        )
    )


# --- The portfolio status report (Staatsräterunde) ---------------------------------------------


@dataclass
class ProjectStatus:
    project: Project
    overdue: list[Milestone] = field(default_factory=list)
    over_budget_years: list[tuple[int, Figures]] = field(default_factory=list)


@dataclass
class SpaceSection:
    space: Space
    projects: list[ProjectStatus]
    by_health: dict[str, int]
    health_counts: list[int] = field(default_factory=list)  # in the order of the healths

    @property
    def overdue_count(self) -> int:
        return sum(len(p.overdue) for p in self.projects)

    @property
    def over_budget(self) -> list[ProjectStatus]:
        return [p for p in self.projects if p.over_budget_years]


@dataclass
class PortfolioReport:
    meta: Meta
    sections: list[SpaceSection]
    healths: list[tuple[str, str]]
    statuses: list[tuple[str, str]]
    health_chart: Chart | None
    year_chart: Chart | None
    years: list[RollupRow]

    @property
    def empty(self) -> bool:
        return not self.sections

    @property
    def project_count(self) -> int:
        return sum(len(s.projects) for s in self.sections)


def portfolio_report(condition: Q | None, meta: Meta) -> PortfolioReport:
    healths = [(c.value, str(c.label)) for c in Project.Health]
    statuses = [(c.value, str(c.label)) for c in Project.Status]
    projects = (
        Project.objects.filter(condition if condition is not None else Q(pk__in=[]))
        .select_related("primary_space", "lead_authority")
        .order_by("primary_space__position", "title", "pk")
    )
    overdue: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(
        project__in=projects.values("pk"), done__isnull=True, due__lt=today()
    ).order_by("due", "pk"):
        overdue[milestone.project_id].append(milestone)
    over = over_budget_by_project(condition)
    sections: dict[int, SpaceSection] = {}
    for project in projects:
        section = sections.get(project.primary_space_id)
        if section is None:
            section = sections[project.primary_space_id] = SpaceSection(
                project.primary_space, [], dict.fromkeys((h for h, _l in healths), 0)
            )
        section.projects.append(
            ProjectStatus(project, overdue.get(project.pk, []), over.get(project.pk, []))
        )
        section.by_health[project.health] = section.by_health.get(project.health, 0) + 1
    ordered = list(sections.values())
    for section in ordered:
        section.health_counts = [section.by_health.get(code, 0) for code, _l in healths]
    rows = [
        SpaceStatusRow(
            space=s.space,
            total=len(s.projects),
            by_status=[],
            by_health=[s.by_health.get(code, 0) for code, _l in healths],
        )
        for s in ordered
    ]
    years = rollup_rows(condition)[2]
    return PortfolioReport(
        meta=meta,
        sections=ordered,
        healths=healths,
        statuses=statuses,
        health_chart=health_chart(rows, healths) if rows else None,
        year_chart=year_chart(years) if years else None,
        years=years,
    )
