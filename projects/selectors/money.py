"""The one module where money is summed: every roll-up of the portal is computed here, in SQL
(Decimal, to the cent), and "over budget" is one SQL condition (`over_budget_q`).

A project is over budget in a fiscal year when its actual or committed amount of that year
exceeds the year's revised plan; a line is over budget on the same rule.

Roll-ups do not rescan the ledger: they read `BudgetSummary` (one row per project and fiscal
year, kept exact by database triggers in the same transaction as every line write, migration
projects/0006), about a seventh of the lines. Programme-wide figures, which every visitor of
the landing page sees, are cached under the `BudgetVersion` counter, which changes in the same
transaction as every write they depend on: never a stale figure, never a time-out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
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

from contacts.models import Authority
from core.audiences import Viewer
from core.rules import EVERYTHING
from spaces.models import Space

from ..models import (
    BudgetLine,
    BudgetSummary,
    BudgetVersion,
    FiscalYear,
    ProgrammeBudget,
    Project,
)
from ..permissions import budget_condition, can

MONEY: DecimalField[Any, Decimal] = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")
T = TypeVar("T")
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
        """The amounts named `<prefix><amount>` in a row; NULL is zero, but a missing name is
        a mistake and raises (a wrong prefix once showed every figure as 0,00 €)."""
        missing = [f"{prefix}{name}" for name in AMOUNTS if f"{prefix}{name}" not in row]
        if missing:
            raise KeyError(f"the row has no {', '.join(missing)}: {sorted(row)}")
        return cls(
            **{name: row[f"{prefix}{name}"] or ZERO for name in AMOUNTS},
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


def _summaries(year: int | None = None) -> QuerySet[BudgetSummary]:
    rows = BudgetSummary.objects.all()
    return rows.filter(fiscal_year__year=year) if year else rows


def _project_sum(name: str, year: int | None) -> Subquery:
    rows = _summaries(year).filter(project=OuterRef("pk"))
    return Subquery(
        rows.order_by().values("project").annotate(total=Sum(name)).values("total")[:1],
        output_field=MONEY,
    )


def _over_budget_exists(year: int | None) -> Exists:
    """Some fiscal year of the project is over budget (a summary row is one project-year)."""
    return Exists(_summaries(year).filter(over_budget_q(), project=OuterRef("pk")))


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
            annotations[f"sum_{name}"] = _project_sum(name, year)
        annotations["over_budget"] = _over_budget_exists(year)
        return qs.annotate(**annotations)
    if condition is None:
        condition = Q(pk__in=[])
    annotations["budget_visible"] = Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    for name in AMOUNTS:
        annotations[f"sum_{name}"] = Case(
            When(condition, then=_project_sum(name, year)), default=None, output_field=MONEY
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


def _visible_summaries(
    user: Viewer, projects: QuerySet[Project], year: int | None
) -> QuerySet[BudgetSummary]:
    """The summary rows of the lines `visible_lines` gives (the same rule: see_budget)."""
    condition = budget_condition(user)
    if condition is None:
        return BudgetSummary.objects.none()
    rows = _summaries(year).filter(project__in=projects.order_by().values("pk"))
    if condition != EVERYTHING:
        rows = rows.filter(project__in=Project.objects.filter(condition).order_by().values("pk"))
    return rows


def portfolio_totals(
    user: Viewer, projects: QuerySet[Project], *, year: int | None = None
) -> Figures:
    """Sum over every visible line of the filtered portfolio (not just the page)."""
    if not can(user, "see_any_budget"):
        return Figures()
    return Figures.from_row(_visible_summaries(user, projects, year).aggregate(**sums()))


# --- One project ------------------------------------------------------------------------------


def project_total(project: Project) -> Figures:
    return Figures.from_row(BudgetSummary.objects.filter(project=project).aggregate(**sums()))


def project_year_figures(project: Project) -> dict[int, Figures]:
    """{fiscal_year_id: Figures with over_budget} for each year the project has lines in."""
    rows = (
        BudgetSummary.objects.filter(project=project)
        .values("fiscal_year_id", *AMOUNTS)
        .annotate(over_budget=over_budget_flag())
        .order_by()
    )
    return {row["fiscal_year_id"]: Figures.from_row(row) for row in rows}


def year_total(project: Project, fiscal_year: Any) -> Figures:
    rows = BudgetSummary.objects.filter(project=project, fiscal_year=fiscal_year)
    return Figures.from_row(rows.aggregate(**sums()))


def lines_with_flag(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    """Each line with `is_over_budget` (the same SQL rule as for years and projects)."""
    return lines.annotate(is_over_budget=over_budget_flag())


# --- Roll-ups ---------------------------------------------------------------------------------


@dataclass
class RollupRow:
    label: str
    figures: Figures
    url: str = ""


def scoped_summaries(scope: Q | None, year: int | None = None) -> QuerySet[BudgetSummary]:
    """Summary rows of the projects in `scope` (EVERYTHING: all; None: none)."""
    if scope is None:
        return BudgetSummary.objects.none()
    rows = _summaries(year)
    if scope != EVERYTHING:
        rows = rows.filter(project__in=Project.objects.filter(scope).order_by().values("pk"))
    return rows


@dataclass
class Rollups:
    """The cockpit's sums by primary space, lead authority and fiscal year, from one query."""

    by_space: dict[int, Figures]
    by_authority: dict[int, Figures]
    by_year: dict[int, Figures]


_GROUPS = ("space", "authority", "year")


def _cached(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, cached under the budget version: it changes in the same transaction as
    every write to lines, funding sources, the programme budget or a project's space and lead
    authority (triggers, migrations projects/0006 and 0007), so a cached figure is never stale.
    """
    version = BudgetVersion.objects.values_list("counter", flat=True).first()
    if version is None:  # no budget write yet (a fresh database): nothing to key on
        return compute()
    key = f"projects:{name}:{version}"
    found: T | None = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=None)
    return found


def rollups(scope: Q | None) -> Rollups:
    """One scan of the summary rows in `scope`, grouped three ways (GROUPING SETS); for
    everything (ITD), cached under the budget version."""
    if scope is None:
        return Rollups({}, {}, {})
    if scope == EVERYTHING:
        return _cached("rollups", lambda: _rollups(scope))
    return _rollups(scope)


def _rollups(scope: Q) -> Rollups:
    if connection.vendor != "postgresql":  # the SQLite of `make run`: three plain groupings
        return _rollups_plainly(scope)
    amounts = ", ".join(f'SUM(s."{name}")' for name in AMOUNTS)
    where, params = "", ()
    if scope != EVERYTHING:
        inner, params = (
            Project.objects.filter(scope).order_by().values("pk").query.sql_with_params()
        )
        where = f"WHERE s.project_id IN ({inner})"
    summary, project = BudgetSummary._meta.db_table, Project._meta.db_table
    # Table names and a compiled queryset: every value is a parameter.
    sql = (
        "SELECT p.primary_space_id, p.lead_authority_id, s.fiscal_year_id, "  # noqa: S608
        f"GROUPING(p.primary_space_id, p.lead_authority_id, s.fiscal_year_id), {amounts} "
        f'FROM "{summary}" s JOIN "{project}" p ON p.id = s.project_id {where} '
        "GROUP BY GROUPING SETS ((p.primary_space_id), (p.lead_authority_id), (s.fiscal_year_id))"
    )
    result = Rollups({}, {}, {})
    # GROUPING() has a bit set for each column not grouped: 011 space, 101 authority, 110 year.
    targets = {3: (0, result.by_space), 5: (1, result.by_authority), 6: (2, result.by_year)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            column, target = targets[row[3]]
            planned, revised, committed, actual = (v or ZERO for v in row[4:8])
            target[row[column]] = Figures(planned, revised, committed, actual)
    return result


def rollup_rows(scope: Q | None) -> tuple[list[RollupRow], list[RollupRow], list[RollupRow]]:
    """By primary space (each project counts once, in its primary space), by lead authority and
    by fiscal year, named from the current reference data."""
    found = rollups(scope)
    by_space = [
        RollupRow(space.name, found.by_space[space.pk], space.get_absolute_url())
        for space in Space.objects.all()
        if space.pk in found.by_space
    ]
    by_authority = [
        RollupRow(f"{a.name} ({a.code})", found.by_authority[a.pk])
        for a in Authority.objects.filter(pk__in=list(found.by_authority)).order_by("code")
    ]
    years = dict(FiscalYear.objects.filter(pk__in=list(found.by_year)).values_list("pk", "year"))
    by_year = [
        RollupRow(str(years[pk]), found.by_year[pk])
        for pk in sorted(years, key=lambda pk: years[pk])
    ]
    return by_space, by_authority, by_year


def _rollups_plainly(scope: Q | None) -> Rollups:
    rows = scoped_summaries(scope)
    fields = {"space": "project__primary_space_id", "authority": "project__lead_authority_id"}
    fields["year"] = "fiscal_year_id"
    found = {
        group: {
            r[field]: Figures.from_row(r) for r in rows.values(field).annotate(**sums()).order_by()
        }
        for group, field in fields.items()
    }
    return Rollups(found["space"], found["authority"], found["year"])


def over_budget_years(scope: Q | None, limit: int) -> list[dict[str, Any]]:
    """(project, fiscal year) pairs over budget, newest years first: one summary row each,
    named by the caller."""
    return list(
        scoped_summaries(scope)
        .filter(over_budget_q())
        .values("project_id", "fiscal_year_id", *AMOUNTS)
        .order_by("-fiscal_year_id", "project_id")[:limit]
    )


def _programme_sums() -> dict[str, Any]:
    """Programme share and all sources over every summary row, cached (`_cached`)."""
    return _cached("programme-sums", _sum_programme)


def _sum_programme() -> dict[str, Any]:
    return BudgetSummary.objects.aggregate(
        **sums(),
        **{f"p_{n}": Coalesce(Sum(f"programme_{n}"), ZERO, output_field=MONEY) for n in AMOUNTS},
    )


def rollup_programme() -> tuple[Figures, Figures, ProgrammeBudget]:
    """The ITD strategy budget against the programme budget, and all sources together."""
    budget = ProgrammeBudget.current()
    found = _programme_sums()
    return (
        Figures.from_row(found, prefix="p_", reference=budget.amount),
        Figures.from_row(found),
        budget,
    )


def published_aggregates() -> dict[str, Any]:
    """What citizens see: the programme budget and programme-wide sums, never a single project."""
    budget = ProgrammeBudget.current()
    found = _programme_sums()
    return {
        "programme": Figures.from_row(found, prefix="p_", reference=budget.amount),
        "budget": budget,
    }


# --- Reports: one fiscal year of a scope (the reports app writes them) -----------------------


@dataclass
class YearReport:
    """A scope's figures in one fiscal year, as the budget report states them."""

    total: Figures
    programme: Figures  # the share from sources that count against the programme budget
    projects: int
    lines: int
    by_space: list[RollupRow]
    by_authority: list[RollupRow]


def scoped_lines(scope: Q | None, year: int | None = None) -> QuerySet[BudgetLine]:
    """Budget lines of the projects in `scope` (EVERYTHING: all; None: none)."""
    if scope is None:
        return BudgetLine.objects.none()
    lines = BudgetLine.objects.all()
    if scope != EVERYTHING:
        lines = lines.filter(project__in=Project.objects.filter(scope).order_by().values("pk"))
    return lines.filter(fiscal_year__year=year) if year else lines


def line_count_of(projects: QuerySet[Project], *, slug: str | None = None, year: Any = None) -> int:
    """How many budget lines the `projects` have (of the one named `slug`, in fiscal year
    `year`, where given): the summaries' kept count, a row per project and year, instead of
    counting the lines."""
    rows = BudgetSummary.objects.filter(project_id__in=projects.order_by().values("pk"))
    if slug:
        rows = rows.filter(project__slug=slug)
    if year is not None:
        rows = rows.filter(fiscal_year__year=year)
    total: int = rows.aggregate(n=Coalesce(Sum("line_count"), 0))["n"]
    return total


def year_report(scope: Q | None, year: int) -> YearReport:
    """Totals, programme share and roll-ups of a scope in one fiscal year: four queries on the
    summary rows, whatever the number of lines."""
    rows = scoped_summaries(scope, year)
    found = rows.aggregate(
        **sums(),
        **{f"p_{n}": Coalesce(Sum(f"programme_{n}"), ZERO, output_field=MONEY) for n in AMOUNTS},
        projects=Count("project_id", distinct=True),
        lines=Coalesce(Sum("line_count"), 0),
    )
    by_space = {
        r["project__primary_space_id"]: Figures.from_row(r)
        for r in rows.values("project__primary_space_id").annotate(**sums()).order_by()
    }
    by_authority = {
        r["project__lead_authority_id"]: Figures.from_row(r)
        for r in rows.values("project__lead_authority_id").annotate(**sums()).order_by()
    }
    return YearReport(
        total=Figures.from_row(found),
        programme=Figures.from_row(found, prefix="p_"),
        projects=found["projects"],
        lines=found["lines"],
        by_space=[
            RollupRow(space.name, by_space[space.pk], space.get_absolute_url())
            for space in Space.objects.all()
            if space.pk in by_space
        ],
        by_authority=[
            RollupRow(f"{a.name} ({a.code})", by_authority[a.pk])
            for a in Authority.objects.filter(pk__in=list(by_authority)).order_by("code")
        ],
    )


def programme_by_year() -> dict[int, Figures]:
    """{fiscal year: the ITD strategy budget's share of all projects in it}: the per-year parts
    of the programme totals that `published_aggregates` shows citizens (they add up to them),
    one grouped query, cached under the budget version like those."""
    return _cached("programme-by-year", _programme_by_year)


def _programme_by_year() -> dict[int, Figures]:
    rows = (
        BudgetSummary.objects.values("fiscal_year__year")
        .annotate(**{n: Coalesce(Sum(f"programme_{n}"), ZERO, output_field=MONEY) for n in AMOUNTS})
        .order_by("fiscal_year__year")
    )
    return {row["fiscal_year__year"]: Figures.from_row(row) for row in rows}


def programme_in_year(year: int) -> Figures:
    """The ITD strategy budget's share of all projects in one fiscal year."""
    found = _summaries(year).aggregate(
        **{n: Coalesce(Sum(f"programme_{n}"), ZERO, output_field=MONEY) for n in AMOUNTS}
    )
    return Figures.from_row(found)


def category_sums(scope: Q | None, year: int | None) -> QuerySet[BudgetLine, dict[str, Any]]:
    """Per project and cost category (title order), from the lines: what the budget report's
    detailed sheet lists."""
    return (
        scoped_lines(scope, year)
        .values(
            "project_id",
            "project__title",
            "project__slug",
            "project__primary_space_id",
            "project__lead_authority_id",
            "category_id",
            "category__position",
        )
        .annotate(**sums())
        .order_by("project__title", "project_id", "category__position", "category_id")
    )


def over_budget_by_project(scope: Q | None) -> dict[int, list[tuple[int, Figures]]]:
    """{project id: [(fiscal year, figures), ...]} for each year a project is over budget."""
    found: dict[int, list[tuple[int, Figures]]] = {}
    rows = (
        scoped_summaries(scope)
        .filter(over_budget_q())
        .values("project_id", "fiscal_year__year", *AMOUNTS)
        .order_by("project_id", "fiscal_year__year")
    )
    for row in rows:
        found.setdefault(row["project_id"], []).append(
            (row["fiscal_year__year"], Figures.from_row(row))
        )
    return found
