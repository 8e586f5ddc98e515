"""The strategy cockpit on the dashboard: everything for ITD; for coordinators and officers the
projects of the spaces they run and the authorities they represent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.audiences import Viewer
from core.dates import today
from core.rules import EVERYTHING
from spaces.models import Space

from ..models import FiscalYear, Milestone, ProgrammeBudget, Project
from ..permissions import PROJECT, can
from ..presenters import Chart, health_chart, year_chart
from .money import (
    Figures,
    RollupRow,
    over_budget_years,
    rollup_programme,
    rollup_rows,
)


@dataclass
class SpaceStatusRow:
    space: Space
    total: int
    by_status: list[int]
    by_health: list[int]


@dataclass
class OverBudget:
    project: dict[str, Any]
    figures: Figures


@dataclass
class Cockpit:
    scope_label: str
    is_itd: bool
    project_count: int
    statuses: list[tuple[str, str]]
    healths: list[tuple[str, str]]
    spaces: list[SpaceStatusRow]
    years: list[RollupRow]
    by_space: list[RollupRow]
    by_authority: list[RollupRow]
    overdue: list[Milestone]
    overdue_count: int
    over_budget: list[OverBudget]
    total: Figures
    programme: Figures | None = None
    programme_all: Figures | None = None
    programme_budget: ProgrammeBudget | None = None
    health_chart: Chart | None = None
    year_chart: Chart | None = None

    @property
    def rollups(self) -> list[tuple[str, str, list[RollupRow]]]:
        """(key, title, rows): the key names the table on the page, whatever its title."""
        return [
            ("space", _("Budget je Raum (federführend)"), self.by_space),
            ("authority", _("Budget nach federführender Behörde"), self.by_authority),
        ]


COCKPIT_LIST_LIMIT = 25


def _within(qs: Any, scope: Q | None, project_ids: Any) -> Any:
    # ITD sees everything: no semi-join against the project table at all.
    return qs if scope == EVERYTHING else qs.filter(project__in=project_ids)


def cockpit(user: Viewer) -> Cockpit | None:
    """The strategy cockpit: everything for ITD; own spaces and authorities for the others."""
    if not can(user, "view_cockpit"):
        return None
    scope = PROJECT.q(user, "cockpit")
    projects = Project.objects.restrict(user, "cockpit")
    project_ids = projects.order_by().values("pk")
    statuses = [(c.value, str(c.label)) for c in Project.Status]
    healths = [(c.value, str(c.label)) for c in Project.Health]

    status_counts: dict[int, dict[str, int]] = defaultdict(dict)
    health_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for r in (
        Project.objects.filter(pk__in=project_ids)
        .values("primary_space", "status", "health")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        sc = status_counts[r["primary_space"]]
        sc[r["status"]] = sc.get(r["status"], 0) + r["n"]
        hc = health_counts[r["primary_space"]]
        hc[r["health"]] = hc.get(r["health"], 0) + r["n"]
    space_rows = [
        SpaceStatusRow(
            space=space,
            total=sum(status_counts[space.pk].values()),
            by_status=[status_counts[space.pk].get(code, 0) for code, _n in statuses],
            by_health=[health_counts[space.pk].get(code, 0) for code, _n in healths],
        )
        for space in Space.objects.all()
        if space.pk in status_counts
    ]

    on = today()
    overdue_qs = _within(Milestone.objects.all(), scope, project_ids).filter(
        done__isnull=True, due__lt=on
    )
    overdue = list(
        overdue_qs.select_related("project", "project__primary_space").order_by("due", "pk")[
            :COCKPIT_LIST_LIMIT
        ]
    )
    # Budgets are kept per fiscal year: a project is over budget in a year when its actual or
    # committed amount of that year exceeds the year's revised plan. Grouped on the line table
    # alone (no join) and named afterwards: 2 queries whatever the size.
    over_rows = over_budget_years(scope, COCKPIT_LIST_LIMIT)
    names = Project.objects.filter(pk__in={r["project_id"] for r in over_rows}).in_bulk()
    fiscal = dict(FiscalYear.objects.values_list("pk", "year"))
    over_budget = [
        OverBudget(
            project={
                "project__title": names[r["project_id"]].title,
                "project__slug": names[r["project_id"]].slug,
                "fiscal_year__year": fiscal[r["fiscal_year_id"]],
            },
            figures=Figures.from_row(r),
        )
        for r in over_rows
    ]
    over_budget.sort(key=lambda o: (-o.project["fiscal_year__year"], o.project["project__title"]))
    by_space, by_authority, years = rollup_rows(scope)
    total = Figures()
    for row in years:
        total.add(row.figures)
    result = Cockpit(
        scope_label=_("alle Projekte der Strategie")
        if scope == EVERYTHING
        else _("Projekte Ihrer Räume und Behörden"),
        is_itd=scope == EVERYTHING,
        project_count=sum(r.total for r in space_rows),
        statuses=statuses,
        healths=healths,
        spaces=space_rows,
        years=years,
        by_space=by_space,
        by_authority=by_authority,
        overdue=overdue,
        overdue_count=overdue_qs.count(),
        over_budget=over_budget,
        total=total,
    )
    result.health_chart = health_chart(space_rows, healths)
    result.year_chart = year_chart(years)
    if scope == EVERYTHING:
        result.programme, result.programme_all, result.programme_budget = rollup_programme()
    return result
