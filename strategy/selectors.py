"""Reads of the strategy, shaped for the pages: the tree of a space with every indicator's
computed status and the roll-ups, one measure with its projects and budget, the rounds and
their reports. Every read starts from the rule's scope; the number of queries does not grow
with the number of goals, measures or indicators."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from core.audiences import Viewer
from core.rules import EVERYTHING
from projects.models import BudgetSummary, Project
from projects.permissions import budget_condition
from projects.selectors.money import Figures, sums
from reports.models import Kind, Report, Scope
from reports.permissions import may_use_scope
from spaces.models import Space

from . import progress
from .models import (
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    PathPoint,
    Round,
    Submission,
)
from .permissions import READS_SPACE, ROUND, SUBMISSION


def readable_spaces(viewer: Viewer) -> list[Space]:
    """The spaces whose strategy the viewer reads, in their order."""
    return [s for s in Space.objects.order_by("position", "slug") if READS_SPACE.test(viewer, s)]


# --- The tree ------------------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    assessment: progress.Assessment

    @property
    def values(self) -> list[IndicatorValue]:
        return values_of(self.indicator)


@dataclass
class MeasureRow:
    measure: Measure
    indicators: list[IndicatorRow]
    rollup: progress.Rollup


@dataclass
class GoalRow:
    goal: Goal
    indicators: list[IndicatorRow]
    measures: list[MeasureRow]
    rollup: progress.Rollup


@dataclass
class SpaceTree:
    space: Space
    goals: list[GoalRow] = field(default_factory=list)
    rollup: progress.Rollup = field(default_factory=progress.Rollup)


def assessment(indicator: Indicator) -> progress.Assessment:
    """The indicator's status now (values, path prefetched or read)."""
    return progress.assess(
        baseline=progress.Point(indicator.baseline_on, indicator.baseline_value),
        target=progress.Point(indicator.target_on, indicator.target_value),
        path=[progress.Point(p.on, p.value) for p in path_of(indicator)],
        values=[progress.Point(v.on, v.value) for v in values_of(indicator)],
        higher_is_better=indicator.higher_is_better,
    )


# The tree's relations come as plain lists (Prefetch's to_attr): Django's prefetch otherwise
# makes a manager and a queryset for each of the hundreds of goals, measures, indicators and
# values of the strategy overview, which cost more than the queries (a third of the page).
PATH, VALUES, INDICATORS, MEASURES = (
    "path_points",
    "values_in_order",
    "tree_indicators",
    "tree_measures",
)


def _listed(obj: Any, attr: str, read: Callable[[], Iterable[Any]]) -> list[Any]:
    """The list prefetched under `attr`, else read now."""
    found: list[Any] | None = obj.__dict__.get(attr)
    return found if found is not None else list(read())


def path_of(indicator: Indicator) -> list[PathPoint]:
    return _listed(indicator, PATH, indicator.path.all)


def values_of(indicator: Indicator) -> list[IndicatorValue]:
    return _listed(indicator, VALUES, indicator.values.all)


def _indicators_prefetch() -> Any:
    path: Any = Prefetch("path", to_attr=PATH)
    values: Any = Prefetch(
        "values", queryset=IndicatorValue.objects.order_by("on", "pk"), to_attr=VALUES
    )
    return Prefetch(
        "indicators",
        queryset=Indicator.objects.prefetch_related(path, values).order_by("name", "pk"),
        to_attr=INDICATORS,
    )


def _rows(indicators: Iterable[Indicator]) -> tuple[list[IndicatorRow], progress.Rollup]:
    rows = [IndicatorRow(i, assessment(i)) for i in indicators]
    rollup = progress.Rollup()
    for row in rows:
        rollup.add(row.assessment.status)
    return rows, rollup


def _goal_row(goal: Goal) -> GoalRow:
    # All of the goal's indicators come in one prefetch (an indicator of a measure belongs to
    # the measure's goal too, services._check_indicator): the goal's row holds those without a
    # measure, each measure's row its own.
    own: list[Indicator] = []
    of_measure: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in _listed(goal, INDICATORS, goal.indicators.all):
        if indicator.measure_id is None:
            own.append(indicator)
        else:
            of_measure[indicator.measure_id].append(indicator)
    rows, rollup = _rows(own)
    measures = []
    for measure in _listed(goal, MEASURES, goal.measures.all):
        measure_rows, measure_rollup = _rows(of_measure.get(measure.pk, []))
        rollup.merge(measure_rollup)
        measures.append(MeasureRow(measure, measure_rows, measure_rollup))
    return GoalRow(goal, rows, measures, rollup)


def goals_with_tree(queryset: QuerySet[Goal]) -> QuerySet[Goal]:
    """Goals with their measures and all their indicators (path and values): four queries
    after the goals' own, however many goals, measures and indicators."""
    measures = Measure.objects.select_related("lead_authority", "responsible").order_by(
        "code", "pk"
    )
    return queryset.prefetch_related(
        Prefetch("measures", queryset=measures, to_attr=MEASURES), _indicators_prefetch()
    ).order_by("code", "pk")


def space_tree(viewer: Viewer, space: Space) -> SpaceTree:
    tree = SpaceTree(space)
    for goal in goals_with_tree(Goal.objects.visible_to(viewer).filter(space=space)):
        row = _goal_row(goal)
        tree.goals.append(row)
        tree.rollup.merge(row.rollup)
    return tree


def goal_row(goal: Goal) -> GoalRow:
    return _goal_row(goals_with_tree(Goal.objects.filter(pk=goal.pk)).get())


def overview(viewer: Viewer) -> list[SpaceTree]:
    """Every readable space with its goals' roll-ups (the start page of the strategy)."""
    spaces = readable_spaces(viewer)
    trees = {s.pk: SpaceTree(s) for s in spaces}
    goals = goals_with_tree(Goal.objects.visible_to(viewer).filter(space__in=spaces))
    for goal in goals:
        row = _goal_row(goal)
        trees[goal.space_id].goals.append(row)
        trees[goal.space_id].rollup.merge(row.rollup)
    return [trees[s.pk] for s in spaces]


# --- One measure -------------------------------------------------------------------------------


@dataclass
class MeasureBudget:
    figures: Figures
    projects_counted: int
    projects_hidden: int


def measure_projects(viewer: Viewer, measure: Measure) -> list[Project]:
    return list(
        Project.objects.visible_to(viewer)
        .filter(measures=measure)
        .select_related("lead_authority", "primary_space")
        .order_by("title", "pk")
    )


def measure_budget(viewer: Viewer, measure: Measure) -> MeasureBudget | None:
    """The budget of the measure's projects the viewer may see the budget of, all years, summed
    in SQL from the one money module; None if they may see none of it."""
    condition = budget_condition(viewer)
    if condition is None:
        return None
    projects = Project.objects.filter(measures=measure)
    total = projects.count()
    seen = projects if condition == EVERYTHING else projects.filter(condition)
    seen_ids = list(seen.values_list("pk", flat=True))
    row = BudgetSummary.objects.filter(project_id__in=seen_ids).aggregate(**sums())
    return MeasureBudget(Figures.from_row(row), len(seen_ids), total - len(seen_ids))


def measure_indicators(measure: Measure) -> list[IndicatorRow]:
    indicators = Indicator.objects.filter(measure=measure).prefetch_related(
        "path", Prefetch("values", queryset=IndicatorValue.objects.order_by("on", "pk"))
    )
    return _rows(indicators.order_by("name", "pk"))[0]


def measure_reports(viewer: Viewer, measure: Measure) -> QuerySet[Submission]:
    """The measure's reports in the rounds, newest round first, as far as the viewer sees them."""
    return (
        Submission.objects.visible_to(viewer)
        .filter(measure=measure)
        .select_related("round")
        .order_by("-round__period_end", "-round__pk")
    )


# --- Rounds ------------------------------------------------------------------------------------


def rounds(viewer: Viewer) -> QuerySet[Round]:
    counts = {
        f"n_{status}": Count("submissions", filter=Q(submissions__status=status))
        for status in Submission.Status.values
    }
    return (
        Round.objects.visible_to(viewer)
        .annotate(n_total=Count("submissions"), **counts)
        .prefetch_related("spaces")
        .order_by("-period_end", "-pk")
    )


def round_submissions(viewer: Viewer, round_: Round) -> list[Submission]:
    return list(
        SUBMISSION.restrict(Submission.objects.filter(round=round_), viewer, "view")
        .select_related("measure__goal__space", "measure__lead_authority", "measure__responsible")
        .order_by("measure__goal__space__position", "measure__goal__code", "measure__code")
    )


def overdue(submissions: Iterable[Submission], round_: Round, on: Any) -> list[Submission]:
    """Reports not submitted (or returned and not resubmitted) after the deadline."""
    if round_.is_frozen or on <= round_.deadline:
        return []
    waiting = (Submission.Status.DRAFT, Submission.Status.RETURNED)
    return [s for s in submissions if s.status in waiting]


def submission_values(submission: Submission) -> dict[int, Any]:
    return {v.indicator_id: v for v in submission.reported_values.all()}


WAITING = (Submission.Status.DRAFT, Submission.Status.RETURNED)


def my_open_reports(viewer: Viewer) -> QuerySet[Submission]:
    """The reports the viewer has to write or correct in open rounds (the dashboard): returned
    ones first, then by deadline."""
    returned_first = Case(When(status=Submission.Status.RETURNED, then=Value(0)), default=Value(1))
    return (
        SUBMISSION.restrict(Submission.objects.filter(status__in=WAITING), viewer, "write")
        .select_related("round", "measure")
        .order_by(returned_first, "round__deadline", "measure__code", "pk")
    )


def overdue_reports(viewer: Viewer, on: Any) -> QuerySet[Submission]:
    """Reports of open rounds past their deadline, not (re)submitted, that the viewer reviews
    (ITD all, a coordinator those of their spaces): the dashboard's overdue list."""
    return (
        Submission.objects.visible_to(viewer)
        .filter(status__in=WAITING, round__status=Round.Status.OPEN, round__deadline__lt=on)
        .select_related("round", "measure__lead_authority")
        .order_by("round__deadline", "measure__code", "pk")
    )


def goals_of_space(viewer: Viewer, space: Space, limit: int) -> list[GoalRow]:
    """The space page's section: its goals with their roll-ups (a fixed number of queries)."""
    goals = goals_with_tree(Goal.objects.visible_to(viewer).filter(space=space))[:limit]
    return [_goal_row(goal) for goal in goals]


def measures_of_project(viewer: Viewer, project: Project, limit: int) -> list[MeasureRow]:
    """The project page's section: the measures the project serves, with their status."""
    measures = (
        Measure.objects.visible_to(viewer)
        .filter(projects=project)
        .select_related("goal", "lead_authority")
        .prefetch_related(_indicators_prefetch())
        .order_by("goal__code", "code", "pk")[:limit]
    )
    rows = []
    for measure in measures:
        indicators, rollup = _rows(_listed(measure, INDICATORS, measure.indicators.all))
        rows.append(MeasureRow(measure, indicators, rollup))
    return rows


def round_report_scopes(viewer: Viewer, round_: Round) -> list[tuple[str, str]]:
    """The scopes of the round report the viewer may request: the whole round (ITD), each of
    its spaces they may ask a space report of (the archive's rule, reports.permissions)."""
    options: list[tuple[str, str]] = []
    if not ROUND.can(viewer, "request_report", round_):
        return options
    if may_use_scope(viewer, Scope.PROGRAMME):
        options.append((Scope.PROGRAMME, _("alle Räume der Runde")))
    options += [
        (f"space:{s.slug}", _("Raum %(name)s") % {"name": s.name})
        for s in round_.spaces.order_by("position", "slug")
        if may_use_scope(viewer, Scope.SPACE, space=s)
    ]
    return options


def round_reports(viewer: Viewer, round_: Round) -> QuerySet[Report]:
    """The round's reports in the archive that the viewer sees, newest first."""
    return (
        Report.objects.visible_to(viewer)
        .filter(kind=Kind.ROUND, subject_id=round_.pk)
        .select_related("space")
        .order_by("-created_at", "-pk")
    )


# --- A small chart of an indicator ---------------------------------------------------------------


@dataclass
class Chart:
    title: str
    description: str
    path_points: str
    value_points: str
    value_dots: list[tuple[str, str]]
    width: int = 600
    height: int = 200


def chart(indicator: Indicator, row: IndicatorRow) -> Chart:
    """The indicator's chart on its page (values and path prefetched or read)."""
    return line_chart(
        name=indicator.name,
        status=row.assessment.label,
        baseline=(indicator.baseline_on, indicator.baseline_value),
        target=(indicator.target_on, indicator.target_value),
        path=[(p.on, p.value) for p in indicator.path.all()],
        values=[(v.on, v.value) for v in indicator.values.all()],
    )


def line_chart(
    *,
    name: str,
    status: str,
    baseline: tuple[dt.date, Decimal],
    target: tuple[dt.date, Decimal],
    path: list[tuple[dt.date, Decimal]],
    values: list[tuple[dt.date, Decimal]],
) -> Chart:
    """The path (baseline, intermediate targets, target) and the values as SVG coordinates:
    time from the baseline's date to the later of target and last value, figures from the
    lowest to the highest shown, 20 px of margin. The same for an indicator's page and for a
    round report, which draws it from the frozen snapshot."""
    line = [baseline, *path, target]
    shown = [(on, value) for on, value in values if on > baseline[0]]
    dates = [d for d, _v in line + shown]
    figures = [f for _d, f in line + shown]
    start, end = min(dates), max(dates)
    low, high = min(figures), max(figures)
    span_days = max((end - start).days, 1)
    span = (high - low) or 1

    def xy(on: Any, value: Any) -> tuple[str, str]:
        x = 20 + 560 * (on - start).days / span_days
        y = 180 - 160 * float((value - low) / span)
        return f"{x:.1f}", f"{y:.1f}"

    def points(pairs: list[tuple[Any, Any]]) -> str:
        return " ".join(",".join(xy(on, value)) for on, value in pairs)

    return Chart(
        title=_("Verlauf: %(name)s") % {"name": name},
        description=_("%(n)s Werte gegen den Pfad von %(base)s zu %(target)s; Stand: %(status)s.")
        % {
            "n": len(shown),
            "base": baseline[1].normalize(),
            "target": target[1].normalize(),
            "status": status,
        },
        path_points=points(line),
        value_points=points(shown) if len(shown) > 1 else "",
        value_dots=[xy(on, value) for on, value in shown],
    )
