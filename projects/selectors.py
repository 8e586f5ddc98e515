"""Reads of projects and budgets shaped for the viewer: portfolio, project page, roll-ups, cockpit.

Every sum is computed in SQL (Decimal, to the cent). Every read makes a fixed number of queries
however many projects or lines there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from contacts.models import Person, today
from contacts.permissions import can_see_name
from contacts.selectors import ContactCard, contact_card
from core.models import AuditEntry
from core.templatetags.portal import de_date, euro
from spaces.models import Space

from . import permissions
from .models import (
    BudgetLine,
    FiscalYear,
    Milestone,
    ProgrammeBudget,
    Project,
)

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")
AMOUNTS = ("planned", "revised", "committed", "actual")


@dataclass
class Figures:
    """Planned, revised, committed and actual euros, with what follows from them."""

    planned: Decimal = ZERO
    revised: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO
    reference: Decimal | None = None  # what "remaining" and "share spent" are measured against

    @classmethod
    def from_row(cls, row: dict[str, Any], prefix: str = "", **kwargs) -> Figures:
        return cls(
            **{name: row.get(f"{prefix}{name}") or ZERO for name in AMOUNTS},
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

    @property
    def over_budget(self) -> bool:
        return self.actual > self.revised or self.committed > self.revised

    def add(self, other: Figures) -> None:
        for name in AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _sums(prefix: str = "") -> dict[str, Any]:
    return {f"{prefix}{name}": Coalesce(Sum(name), ZERO, output_field=MONEY) for name in AMOUNTS}


def fiscal_years() -> list[int]:
    return list(FiscalYear.objects.values_list("year", flat=True))


# --- Portfolio --------------------------------------------------------------------------------


def _line_sum(name: str, year: int | None) -> Subquery:
    lines = BudgetLine.objects.filter(project=OuterRef("pk"))
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return Subquery(
        lines.order_by().values("project").annotate(total=Sum(name)).values("total")[:1],
        output_field=MONEY,
    )


def _over_budget_exists(year: int | None) -> Exists:
    """Some fiscal year of the project has actual or committed above its revised plan."""
    lines = BudgetLine.objects.filter(project=OuterRef("pk"))
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return Exists(
        lines.order_by()
        .values("fiscal_year")
        .annotate(a=Sum("actual"), c=Sum("committed"), r=Sum("revised"))
        .filter(Q(a__gt=F("r")) | Q(c__gt=F("r")))
    )


def with_budget(qs: QuerySet[Project], user, *, year: int | None = None) -> QuerySet[Project]:
    """Annotate budget_visible and the four sums; the sums are NULL where the viewer may not see.

    The figures of projects whose budget the viewer may not see never leave the database.
    """
    condition = permissions.budget_q(user)
    annotations: dict[str, Any] = {}
    if condition is None:
        annotations["budget_visible"] = Value(True, output_field=BooleanField())
        for name in AMOUNTS:
            annotations[f"sum_{name}"] = _line_sum(name, year)
        annotations["over_budget"] = _over_budget_exists(year)
    else:
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


def portfolio(
    user,
    *,
    q: str = "",
    space: Space | None = None,
    authority=None,
    status: str = "",
    health: str = "",
    year: int | None = None,
    visibility: str = "",
    sort: str = "",
) -> QuerySet[Project]:
    """The projects the viewer may see, filtered and sorted; lists and exports start here."""
    from .forms import SORTS

    qs = Project.objects.visible_to(user).select_related("primary_space", "lead_authority")
    for word in q.split():
        qs = qs.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(slug__icontains=word)
        )
    if space is not None:
        further = Project.spaces.through.objects.filter(space=space).values("project_id")
        qs = qs.filter(Q(primary_space=space) | Q(pk__in=further))
    if authority is not None:
        through = Project.participating_authorities.through
        participating = through.objects.filter(authority=authority).values("project_id")
        qs = qs.filter(Q(lead_authority=authority) | Q(pk__in=participating))
    if status:
        qs = qs.filter(status=status)
    if health:
        qs = qs.filter(health=health)
    if year:
        qs = qs.filter(start__year__lte=year, end__year__gte=year)
    if visibility:
        qs = qs.filter(visibility=visibility)
    return qs.order_by(*SORTS.get(sort or "title", SORTS["title"]))


def visible_lines(user, projects: QuerySet[Project], *, year: int | None = None):
    """Budget lines of `projects` whose budget the viewer may see."""
    lines = BudgetLine.objects.filter(project__in=projects.order_by().values("pk"))
    condition = permissions.budget_q(user)
    if condition is not None:
        lines = lines.filter(project__in=Project.objects.filter(condition).order_by().values("pk"))
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return lines


def portfolio_totals(user, projects: QuerySet[Project], *, year: int | None = None) -> Figures:
    """Sum over every visible line of the filtered portfolio (not just the page)."""
    if not permissions.can_see_any_budget(user):
        return Figures()
    row = visible_lines(user, projects, year=year).aggregate(**_sums())
    return Figures.from_row(row)


def rows_with_figures(page_projects) -> list[tuple[Project, Figures | None, bool]]:
    """(project, figures or None if the viewer may not see them, over budget in some year)."""
    rows = []
    for project in page_projects:
        figures = None
        if getattr(project, "budget_visible", False):
            figures = Figures(**{name: getattr(project, f"sum_{name}") or ZERO for name in AMOUNTS})
        rows.append((project, figures, bool(figures and project.over_budget)))
    return rows


def public_projects(limit: int = 6) -> list[Project]:
    return list(
        Project.objects.filter(visibility=Project.Visibility.PUBLIC)
        .select_related("primary_space")
        .order_by("-updated_at", "pk")[:limit]
    )


def published_aggregates() -> dict[str, Any]:
    """What citizens see: the programme budget and programme-wide sums, never a single project."""
    budget = ProgrammeBudget.current()
    row = BudgetLine.objects.filter(funding_source__is_programme=True).aggregate(**_sums())
    return {"programme": Figures.from_row(row, reference=budget.amount), "budget": budget}


# --- Project page -----------------------------------------------------------------------------


@dataclass
class YearBudget:
    year: FiscalYear
    lines: list[BudgetLine]
    totals: Figures


@dataclass
class AuditRow:
    entry: AuditEntry
    what: str
    changes: list[tuple[str, str, str]]


@dataclass
class ProjectDetail:
    project: Project
    can_edit: bool
    can_edit_budget: bool
    can_see_budget: bool
    contacts: list[ContactCard]
    milestones: list[Milestone]
    years: list[YearBudget] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    audit: list[AuditRow] = field(default_factory=list)
    budget_years: list[FiscalYear] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for m in self.milestones if m.is_overdue)

    @property
    def over_budget_years(self) -> list[int]:
        return [y.year.year for y in self.years if y.totals.over_budget]


def project_for_detail(user, slug: str) -> Project:
    """The project with everything its page needs, from the viewer's scope (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    qs = Project.objects.visible_to(user).select_related("primary_space", "lead_authority")
    qs = qs.prefetch_related(
        "spaces",
        "participating_authorities",
        "partner_organisations",
        Prefetch(
            "contact_persons",
            queryset=Person.objects.select_related("user", "authority", "organisation"),
        ),
        "links",
        "milestones",
    )
    return get_object_or_404(qs, slug=slug)


_MONEY_FIELDS = {"planned", "revised", "committed", "actual", "annual_full_cost", "amount"}


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field that no longer exists keeps its technical name
        return name


def _shown(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if name in _MONEY_FIELDS:
        return euro(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        import datetime as dt

        try:
            return de_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def project_audit(project: Project, limit: int = 200) -> list[AuditRow]:
    """Changes to the project (status, health, ...) and to its budget lines, deleted ones too."""
    project_ct = ContentType.objects.get_for_model(Project)
    line_ct = ContentType.objects.get_for_model(BudgetLine)
    entries = AuditEntry.objects.filter(
        Q(content_type=project_ct, object_id=str(project.pk))
        | Q(content_type=line_ct, changes__project_ref=project.pk)
    ).order_by("-created_at", "-id")[:limit]
    rows = []
    for entry in entries:
        model = Project if entry.content_type_id == project_ct.pk else BudgetLine
        what = (
            _("Projekt")
            if model is Project
            else _("Budgetzeile %(line)s") % {"line": entry.object_repr}
        )
        changes = []
        for name, change in (entry.changes or {}).items():
            if not isinstance(change, dict):
                continue  # e.g. project_ref: which project a line belonged to
            old, new = _shown(name, change.get("old")), _shown(name, change.get("new"))
            if old != new:  # "" and None both read as "–"
                changes.append((_label(model, name), old, new))
        rows.append(AuditRow(entry=entry, what=what, changes=changes))
    return rows


def project_detail(user, project: Project) -> ProjectDetail:
    """Everything about a project; the budget and audit trail only for those who may see them."""
    see_budget = permissions.can_see_budget(user, project)
    detail = ProjectDetail(
        project=project,
        can_edit=permissions.can_edit_project(user, project),
        can_edit_budget=permissions.can_edit_budget(user, project),
        can_see_budget=see_budget,
        contacts=[
            contact_card(user, p) for p in project.contact_persons.all() if can_see_name(user, p)
        ],
        milestones=list(project.milestones.all()),
    )
    if not see_budget:
        return detail
    lines = (
        BudgetLine.objects.filter(project=project)
        .select_related("fiscal_year", "category", "funding_source", "cost_rate")
        .order_by("fiscal_year__year", "category__position", "funding_source__position", "pk")
    )
    by_year: dict[int, YearBudget] = {}
    for line in lines:
        year = by_year.get(line.fiscal_year_id)
        if year is None:
            year = by_year[line.fiscal_year_id] = YearBudget(line.fiscal_year, [], Figures())
        year.lines.append(line)
    # The totals come from SQL, not from adding up in Python.
    sums = (
        BudgetLine.objects.filter(project=project)
        .values("fiscal_year_id")
        .annotate(**_sums())
        .order_by()
    )
    for row in sums:
        if row["fiscal_year_id"] in by_year:
            by_year[row["fiscal_year_id"]].totals = Figures.from_row(row)
    detail.years = sorted(by_year.values(), key=lambda y: y.year.year)
    detail.total = Figures.from_row(BudgetLine.objects.filter(project=project).aggregate(**_sums()))
    detail.audit = project_audit(project)
    if detail.can_edit_budget:
        detail.budget_years = list(
            FiscalYear.objects.filter(year__range=(project.start.year, project.end.year))
        )
    return detail


def budget_form_context(project: Project, fiscal_year: FiscalYear) -> dict[str, Any]:
    lines = list(
        BudgetLine.objects.filter(project=project, fiscal_year=fiscal_year)
        .select_related("category", "funding_source", "cost_rate", "fiscal_year")
        .order_by("category__position", "funding_source__position", "pk")
    )
    totals = Figures.from_row(
        BudgetLine.objects.filter(project=project, fiscal_year=fiscal_year).aggregate(**_sums())
    )
    return {
        "lines": lines,
        "totals": totals,
        "rates": list(fiscal_year.cost_rates.order_by("pay_grade")),
    }


# --- Roll-ups ---------------------------------------------------------------------------------


@dataclass
class RollupRow:
    label: str
    figures: Figures
    url: str = ""


def _scoped_lines(scope: Q | None, year: int | None = None):
    lines = BudgetLine.objects.all()
    if scope is not None:
        lines = lines.filter(project__in=Project.objects.filter(scope).order_by().values("pk"))
    if year:
        lines = lines.filter(fiscal_year__year=year)
    return lines


def rollup_by_space(scope: Q | None, year: int | None = None) -> list[RollupRow]:
    """Per primary space (each project counts once, in its primary space)."""
    sums = {
        r["project__primary_space"]: Figures.from_row(r)
        for r in _scoped_lines(scope, year)
        .values("project__primary_space")
        .annotate(**_sums())
        .order_by()
    }
    return [
        RollupRow(space.name, sums[space.pk], space.get_absolute_url())
        for space in Space.objects.all()
        if space.pk in sums
    ]


def rollup_by_authority(scope: Q | None, year: int | None = None) -> list[RollupRow]:
    """Per lead authority."""
    rows = (
        _scoped_lines(scope, year)
        .values("project__lead_authority__code", "project__lead_authority__name_de")
        .annotate(**_sums())
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
        _scoped_lines(scope)
        .values("fiscal_year__year")
        .annotate(**_sums())
        .order_by("fiscal_year__year")
    )
    return [RollupRow(str(r["fiscal_year__year"]), Figures.from_row(r)) for r in rows]


def rollup_programme() -> tuple[Figures, Figures, ProgrammeBudget]:
    """The ITD strategy budget against the programme budget, and all sources together."""
    budget = ProgrammeBudget.current()
    programme = BudgetLine.objects.filter(funding_source__is_programme=True).aggregate(**_sums())
    everything = BudgetLine.objects.aggregate(**_sums())
    return (
        Figures.from_row(programme, reference=budget.amount),
        Figures.from_row(everything),
        budget,
    )


# --- Cockpit ----------------------------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]
    legend: list[tuple[str, str]]


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
    def rollups(self) -> list[tuple[str, list[RollupRow]]]:
        return [
            (_("Budget je Raum (federführend)"), self.by_space),
            (_("Budget je federführende Behörde"), self.by_authority),
        ]


COCKPIT_LIST_LIMIT = 25


def _health_chart(rows: list[SpaceStatusRow], healths) -> Chart:
    """Horizontal stacked bars: per space the projects by health."""
    label_w, bar_w, row_h = 220, 380, 30
    most = max([r.total for r in rows] + [1])
    bars, labels = [], []
    for i, row in enumerate(rows):
        y = 10 + i * row_h
        labels.append((label_w - 8, y + 16, row.space.name))
        x = float(label_w)
        for (code, name), count in zip(healths, row.by_health, strict=True):
            if not count:
                continue
            w = bar_w * count / most
            bars.append(Bar(x, y, w, row_h - 10, f"portal-health-{code}", f"{name}: {count}"))
            x += w
    return Chart(
        width=label_w + bar_w + 20,
        height=20 + len(rows) * row_h,
        bars=bars,
        labels=labels,
        legend=[(f"portal-health-{code}", name) for code, name in healths],
    )


def _year_chart(rows: list[RollupRow]) -> Chart:
    """Grouped vertical bars per year: plan and actual."""
    height, top, bottom, group_w = 220, 10, 30, 90
    most = max([max(r.figures.planned, r.figures.actual) for r in rows] + [Decimal(1)])
    bars, labels = [], []
    for i, row in enumerate(rows):
        x0 = 40 + i * group_w
        for j, (name, css, value) in enumerate(
            (
                (_("Plan"), "portal-bar-plan", row.figures.planned),
                (_("Ist"), "portal-bar-actual", row.figures.actual),
            )
        ):
            h = float(Decimal(height - top - bottom) * value / most)
            bars.append(
                Bar(
                    x0 + j * 32,
                    height - bottom - h,
                    28,
                    h,
                    css,
                    f"{row.label} {name}: {euro(value)}",
                )
            )
        labels.append((x0 + 30, height - 10, row.label))
    return Chart(
        width=60 + len(rows) * group_w,
        height=height,
        bars=bars,
        labels=labels,
        legend=[("portal-bar-plan", _("Plan")), ("portal-bar-actual", _("Ist"))],
    )


def _within(qs, scope: Q | None, project_ids):
    # ITD sees everything: no semi-join against the project table at all.
    return qs if scope is None else qs.filter(project__in=project_ids)


def cockpit(user) -> Cockpit | None:
    """The strategy cockpit: everything for ITD; own spaces and authorities for the others."""
    if not permissions.can_view_cockpit(user):
        return None
    scope = permissions.cockpit_q(user)
    projects = Project.objects.all() if scope is None else Project.objects.filter(scope)
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
    over_rows = list(
        _within(BudgetLine.objects.all(), scope, project_ids)
        .values("project_id", "fiscal_year_id")
        .annotate(**_sums("s_"))
        .filter(Q(s_actual__gt=F("s_revised")) | Q(s_committed__gt=F("s_revised")))
        .order_by("-fiscal_year_id", "project_id")[:COCKPIT_LIST_LIMIT]
    )
    names = Project.objects.filter(pk__in={r["project_id"] for r in over_rows}).in_bulk()
    fiscal = dict(FiscalYear.objects.values_list("pk", "year"))
    over_budget = [
        OverBudget(
            project={
                "project__title": names[r["project_id"]].title,
                "project__slug": names[r["project_id"]].slug,
                "fiscal_year__year": fiscal[r["fiscal_year_id"]],
            },
            figures=Figures.from_row(r, prefix="s_"),
        )
        for r in over_rows
    ]
    over_budget.sort(key=lambda o: (-o.project["fiscal_year__year"], o.project["project__title"]))
    years = rollup_by_year(scope)
    total = Figures()
    for row in years:
        total.add(row.figures)
    result = Cockpit(
        scope_label=_("alle Projekte der Strategie")
        if scope is None
        else _("Projekte Ihrer Räume und Behörden"),
        is_itd=scope is None,
        project_count=sum(r.total for r in space_rows),
        statuses=statuses,
        healths=healths,
        spaces=space_rows,
        years=years,
        by_space=rollup_by_space(scope),
        by_authority=rollup_by_authority(scope),
        overdue=overdue,
        overdue_count=overdue_qs.count(),
        over_budget=over_budget,
        total=total,
    )
    result.health_chart = _health_chart(space_rows, healths)
    result.year_chart = _year_chart(years)
    if scope is None:
        result.programme, result.programme_all, result.programme_budget = rollup_programme()
    return result
