"""The one module where money is summed: every roll-up of the portal is computed here, in SQL
(Decimal, to the cent), and "over budget" is one SQL condition (`over_budget_q`).

A project is over budget in a fiscal year when its actual or committed amount of that year
exceeds the year's revised plan; a line is over budget on the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.audiences import Viewer
from core.rules import EVERYTHING
from spaces.models import Space

from ..models import BudgetLine, ProgrammeBudget, Project
from ..permissions import budget_condition, can

MONEY: DecimalField[Any, Decimal] = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")
AMOUNTS = ("planned", "revised", "committed", "actual")


def over_budget_q(prefix: str = "") -> Q:
    """Over budget: actual or committed above the revised plan (of a line, or of sums named
    `<prefix>actual`, `<prefix>committed`, `<prefix>revised`)."""
    revised = F(f"{prefix}revised")
    return Q(**{f"{prefix}actual__gt": revised}) | Q(**{f"{prefix}committed__gt": revised})


def over_budget_flag(prefix: str = "") -> Case:
    return Case(
        When(over_budget_q(prefix), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


@dataclass
class Figures:
    """Planned, revised, committed and actual euros, with what follows from them."""

    planned: Decimal = ZERO
    revised: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO
    reference: Decimal | None = None  # what "remaining" and "share spent" are measured against
    over_budget: bool = False  # from SQL (over_budget_q), where the figures are a year's

    @classmethod
    def from_row(cls, row: dict[str, Any], prefix: str = "", **kwargs: Any) -> Figures:
        return cls(
            **{name: row.get(f"{prefix}{name}") or ZERO for name in AMOUNTS},
            over_budget=bool(row.get(f"{prefix}over_budget", False)),
            **kwargs,
        )

    @property
    def basis(self) -> Decimal:
        return self.reference if self.reference is not None else self.revised

    @property
    def remaining(self) -> Decimal:
        return self.basis - self.committed - self.actual

    @property
    def share_spent(self) -> Decimal | None:
        """Actual as a percentage of the revised plan (or the programme budget), one decimal."""
        if not self.basis:
            return None
        return (self.actual * 100 / self.basis).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def add(self, other: Figures) -> None:
        for name in AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def sums(prefix: str = "") -> dict[str, Any]:
    """Aggregates of the four amounts, named `<prefix><amount>`."""
    return {f"{prefix}{name}": Coalesce(Sum(name), ZERO, output_field=MONEY) for name in AMOUNTS}


def sums_with_flag(prefix: str = "") -> dict[str, Any]:
    return {**sums(prefix), f"{prefix}over_budget": over_budget_flag(prefix)}


# --- Per project (portfolio rows, exports) ---------------------------------------------------


def _line_sum(name: str, year: int | None) -> Subquery:
    lines = BudgetLine.objects.filter(project=OuterRef("pk"))
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return Subquery(
        lines.order_by().values("project").annotate(total=Sum(name)).values("total")[:1],
        output_field=MONEY,
    )


def _over_budget_exists(year: int | None) -> Exists:
    """Some fiscal year of the project is over budget."""
    lines = BudgetLine.objects.filter(project=OuterRef("pk"))
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return Exists(
        lines.order_by().values("fiscal_year").annotate(**sums("s_")).filter(over_budget_q("s_"))
    )


def with_budget(
    qs: QuerySet[Project], user: Viewer, *, year: int | None = None
) -> QuerySet[Project]:
    """Annotate budget_visible, the four sums and over_budget; the sums are NULL where the
    viewer may not see the budget, so those figures never leave the database."""
    condition = budget_condition(user)
    annotations: dict[str, Any] = {}
    if condition == EVERYTHING:
        annotations["budget_visible"] = Value(True, output_field=BooleanField())
        for name in AMOUNTS:
            annotations[f"sum_{name}"] = _line_sum(name, year)
        annotations["over_budget"] = _over_budget_exists(year)
        return qs.annotate(**annotations)
    if condition is None:
        condition = Q(pk__in=[])
    annotations["budget_visible"] = Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    for name in AMOUNTS:
        annotations[f"sum_{name}"] = Case(
            When(condition, then=_line_sum(name, year)), default=None, output_field=MONEY
        )
    annotations["over_budget"] = Case(
        When(condition, then=_over_budget_exists(year)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return qs.annotate(**annotations)


def project_figures(project: Project) -> Figures | None:
    """The figures annotated by `with_budget`, or None if the viewer may not see them."""
    if not getattr(project, "budget_visible", False):
        return None
    return Figures(
        **{name: getattr(project, f"sum_{name}") or ZERO for name in AMOUNTS},
        over_budget=bool(getattr(project, "over_budget", False)),
    )


def visible_lines(
    user: Viewer, projects: QuerySet[Project], *, year: int | None = None
) -> QuerySet[BudgetLine]:
    """Budget lines of `projects` whose budget the viewer may see."""
    lines = BudgetLine.objects.restrict(user, "view").filter(
        project__in=projects.order_by().values("pk")
    )
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return lines


def portfolio_totals(
    user: Viewer, projects: QuerySet[Project], *, year: int | None = None
) -> Figures:
    """Sum over every visible line of the filtered portfolio (not just the page)."""
    if not can(user, "see_any_budget"):
        return Figures()
    return Figures.from_row(visible_lines(user, projects, year=year).aggregate(**sums()))


# --- One project ------------------------------------------------------------------------------


def project_total(project: Project) -> Figures:
    return Figures.from_row(BudgetLine.objects.filter(project=project).aggregate(**sums()))


def project_year_figures(project: Project) -> dict[int, Figures]:
    """{fiscal_year_id: Figures with over_budget} for each year the project has lines in."""
    rows = (
        BudgetLine.objects.filter(project=project)
        .values("fiscal_year_id")
        .annotate(**sums_with_flag())
        .order_by()
    )
    return {row["fiscal_year_id"]: Figures.from_row(row) for row in rows}


def year_total(project: Project, fiscal_year: Any) -> Figures:
    lines = BudgetLine.objects.filter(project=project, fiscal_year=fiscal_year)
    return Figures.from_row(lines.aggregate(**sums()))


def lines_with_flag(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    """Each line with `is_over_budget` (the same SQL rule as for years and projects)."""
    return lines.annotate(is_over_budget=over_budget_flag())


# --- Roll-ups ---------------------------------------------------------------------------------


@dataclass
class RollupRow:
    label: str
    figures: Figures
    url: str = ""


def scoped_lines(scope: Q | None, year: int | None = None) -> QuerySet[BudgetLine]:
    """Lines of the projects in `scope` (EVERYTHING: all; None: none)."""
    lines = BudgetLine.objects.all()
    if scope is None:
        return lines.none()
    if scope != EVERYTHING:
        lines = lines.filter(project__in=Project.objects.filter(scope).order_by().values("pk"))
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return lines


def rollup_by_space(scope: Q | None, year: int | None = None) -> list[RollupRow]:
    """Per primary space (each project counts once, in its primary space)."""
    by_space = {
        r["project__primary_space"]: Figures.from_row(r)
        for r in scoped_lines(scope, year)
        .values("project__primary_space")
        .annotate(**sums())
        .order_by()
    }
    return [
        RollupRow(space.name, by_space[space.pk], space.get_absolute_url())
        for space in Space.objects.all()
        if space.pk in by_space
    ]


def rollup_by_authority(scope: Q | None, year: int | None = None) -> list[RollupRow]:
    """Per lead authority."""
    rows = (
        scoped_lines(scope, year)
        .values("project__lead_authority__code", "project__lead_authority__name_de")
        .annotate(**sums())
        .order_by("project__lead_authority__code")
    )
    return [
        RollupRow(
            f"{r['project__lead_authority__name_de']} ({r['project__lead_authority__code']})",
            Figures.from_row(r),
        )
        for r in rows
    ]


def rollup_by_year(scope: Q | None) -> list[RollupRow]:
    rows = (
        scoped_lines(scope)
        .values("fiscal_year__year")
        .annotate(**sums())
        .order_by("fiscal_year__year")
    )
    return [RollupRow(str(r["fiscal_year__year"]), Figures.from_row(r)) for r in rows]


def over_budget_years(scope: Q | None, limit: int) -> list[dict[str, Any]]:
    """(project, fiscal year) pairs over budget, newest years first: grouped on the line table
    alone (no join), named by the caller."""
    return list(
        scoped_lines(scope)
        .values("project_id", "fiscal_year_id")
        .annotate(**sums("s_"))
        .filter(over_budget_q("s_"))
        .order_by("-fiscal_year_id", "project_id")[:limit]
    )


def rollup_programme() -> tuple[Figures, Figures, ProgrammeBudget]:
    """The ITD strategy budget against the programme budget, and all sources together."""
    budget = ProgrammeBudget.current()
    programme = BudgetLine.objects.filter(funding_source__is_programme=True).aggregate(**sums())
    everything = BudgetLine.objects.aggregate(**sums())
    return (
        Figures.from_row(programme, reference=budget.amount),
        Figures.from_row(everything),
        budget,
    )


def published_aggregates() -> dict[str, Any]:
    """What citizens see: the programme budget and programme-wide sums, never a single project."""
    budget = ProgrammeBudget.current()
    programme = BudgetLine.objects.filter(funding_source__is_programme=True).aggregate(**sums())
    return {"programme": Figures.from_row(programme, reference=budget.amount), "budget": budget}
