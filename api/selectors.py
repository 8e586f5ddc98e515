"""The API's reads: each starts from the model's rule-table scope (the pages' own), narrowed to
a token's spaces where the token was limited to some."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet
from rest_framework.request import Request

from core import rules
from projects.models import FiscalYear, Project
from projects.selectors.money import (
    Figures,
    line_count_of,
    portfolio_totals,
    project_year_figures,
)
from projects.selectors.project_page import fiscal_years
from tokens.selectors import token_space_ids

from .permissions import token_of

# Where each resource's spaces are: the ways from the model to a space (any of them counts).
SPACE_PATHS: dict[str, tuple[str, ...]] = {
    "spaces.Space": ("",),
    "projects.Project": ("primary_space", "spaces"),
    "projects.Milestone": ("project__primary_space", "project__spaces"),
    "projects.BudgetLine": ("project__primary_space", "project__spaces"),
    "meetings.Meeting": ("space",),
    "strategy.Goal": ("space",),
    "strategy.Measure": ("goal__space",),
    "strategy.Indicator": ("goal__space",),
    "reports.Report": ("space",),
}


def token_spaces(request: Request) -> frozenset[int] | None:
    """The spaces a token was limited to; None: not limited (or no token)."""
    token = token_of(request)
    return None if token is None else token_space_ids(token)


def _space_condition(model: type[Model], ids: Iterable[int]) -> Q | None:
    paths = SPACE_PATHS.get(model._meta.label)
    if paths is None:
        return None
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}__pk__in" if path else "pk__in": list(ids)})
    return condition


def within_token_spaces(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    ids = token_spaces(request)
    if ids is None:
        return queryset
    condition = _space_condition(queryset.model, ids)
    if condition is None:
        return queryset
    return queryset.filter(pk__in=queryset.model._default_manager.filter(condition).values("pk"))


def in_token_spaces(request: Request, space_ids: Iterable[int]) -> bool:
    """May a write touch these spaces with the caller's token?"""
    ids = token_spaces(request)
    return ids is None or bool(set(space_ids) & ids)


def scoped(request: Request, queryset: QuerySet[Any], action: str = "view") -> QuerySet[Any]:
    """The rule table's scope for `action`, within the token's spaces."""
    restricted = rules.table_for(queryset.model).restrict(queryset, request.user, action)
    return within_token_spaces(request, restricted)


def budget_line_count(
    request: Request, *, project: str | None, year: Any, narrowed: bool
) -> int | None:
    """How many budget lines the API's list shows, from the maintained summaries
    (`projects.selectors.money.line_count_of`: their `line_count` is kept by PostgreSQL's
    triggers in the same transaction as every write to the lines, tests/test_budget_summary.py)
    instead of counting the lines: at city scale a member's list counted 50,000 of 100,000
    lines (52 ms) where the summaries are a few thousand rows. A line shows where its project's
    budget does (BUDGET_LINE: the project's "see_budget"), within the token's spaces (a line's
    are its project's, SPACE_PATHS): the projects scoped so are exactly those whose lines show.
    None where the list is `narrowed` by what the summaries do not know (cost category, funding
    source): then the list itself is counted."""
    if narrowed:
        return None
    projects = scoped(request, Project.objects.all(), "see_budget")
    return line_count_of(projects, slug=project, year=year)


def _row(figures: Figures) -> dict[str, Any]:
    return {
        "planned": figures.planned,
        "revised": figures.revised,
        "committed": figures.committed,
        "actual": figures.actual,
        "remaining": figures.remaining,
        "over_budget": figures.over_budget or figures.remaining < 0,
    }


def budget_rollup(request: Request, projects: QuerySet[Project]) -> dict[str, Any]:
    """The filtered portfolio's visible budget lines summed in SQL, in all and by year (the
    portfolio page's totals, the same function)."""
    years = []
    for year in fiscal_years():
        figures = portfolio_totals(request.user, projects, year=year)
        if any(getattr(figures, name) for name in ("planned", "revised", "committed", "actual")):
            years.append({"fiscal_year": year, **_row(figures)})
    return {"total": _row(portfolio_totals(request.user, projects)), "years": years}


def project_budget(project: Project) -> list[dict[str, Any]]:
    """One project's figures by fiscal year (the project page's table)."""
    by_id = project_year_figures(project)

    years = dict(FiscalYear.objects.filter(pk__in=by_id).values_list("pk", "year"))
    return sorted(
        ({"fiscal_year": years[pk], **_row(f)} for pk, f in by_id.items()),
        key=lambda row: row["fiscal_year"],
    )


def project_space_ids(project: Project) -> set[int]:
    return {project.primary_space_id, *project.spaces.values_list("pk", flat=True)}
