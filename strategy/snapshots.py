"""The frozen state of a reporting round: what was reported, as it stood at the freeze.

`build()` walks the round's spaces: goals, measures (with their projects' status, health and
budget summed in SQL from the one money module), the reports with both ratings, and every
indicator with its baseline, target, values up to the end of the period and its computed
status. `digest()` hashes the canonical JSON together with the previous round's digest, so a
changed snapshot, or a round taken out of the chain, no longer matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from projects.models import BudgetSummary
from projects.selectors.money import Figures, sums

from . import progress
from .models import Goal, Indicator, IndicatorValue, Measure, Round, Submission

VERSION = 1


def _money(figures: Figures) -> dict[str, str]:
    return {
        "planned": str(figures.planned),
        "revised": str(figures.revised),
        "committed": str(figures.committed),
        "actual": str(figures.actual),
        "available": str(figures.remaining),
    }


def measure_budget(measure: Measure) -> Figures:
    """The budget of the measure's projects, all years, summed in SQL (each project once)."""
    project_ids = [p.pk for p in measure.projects.all()]
    row = BudgetSummary.objects.filter(project_id__in=project_ids).aggregate(**sums())
    return Figures.from_row(row)


def indicator_assessment(
    indicator: Indicator, *, until: dt.date | None = None
) -> progress.Assessment:
    values = [v for v in indicator.values.all() if until is None or v.on <= until]
    return progress.assess(
        baseline=progress.Point(indicator.baseline_on, indicator.baseline_value),
        target=progress.Point(indicator.target_on, indicator.target_value),
        path=[progress.Point(p.on, p.value) for p in indicator.path.all()],
        values=[progress.Point(v.on, v.value) for v in values],
        higher_is_better=indicator.higher_is_better,
    )


def _indicator(indicator: Indicator, until: dt.date) -> dict[str, Any]:
    assessment = indicator_assessment(indicator, until=until)
    return {
        "id": indicator.pk,
        "name": indicator.name,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "baseline": [indicator.baseline_on.isoformat(), str(indicator.baseline_value)],
        "target": [indicator.target_on.isoformat(), str(indicator.target_value)],
        "path": [[p.on.isoformat(), str(p.value)] for p in indicator.path.all()],
        "values": [
            [v.on.isoformat(), str(v.value), v.source, v.comment]
            for v in indicator.values.all()
            if v.on <= until
        ],
        "status": assessment.status,
        "expected": None if assessment.expected is None else str(_round(assessment.expected)),
    }


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


def _indicators() -> Any:
    values: Any = Prefetch("values", queryset=IndicatorValue.objects.order_by("on", "pk"))
    return Prefetch(
        "indicators",
        queryset=Indicator.objects.prefetch_related("path", values).order_by("name", "pk"),
    )


def build(round_: Round, *, at: dt.datetime) -> dict[str, Any]:
    until = round_.period_end
    submissions = {
        s.measure_id: s
        for s in Submission.objects.filter(round=round_).prefetch_related("reported_values")
    }
    spaces = []
    for space in round_.spaces.order_by("position", "slug"):
        goals = []
        for goal in (
            Goal.objects.filter(space=space)
            .prefetch_related(
                Prefetch(
                    "measures",
                    queryset=Measure.objects.select_related("lead_authority", "responsible")
                    .prefetch_related("projects", _indicators())
                    .order_by("code", "pk"),
                ),
                _indicators(),
            )
            .order_by("code", "pk")
        ):
            measures = []
            for measure in goal.measures.all():
                submission = submissions.get(measure.pk)
                measures.append(
                    {
                        "id": measure.pk,
                        "code": measure.code,
                        "title": measure.title,
                        "lead_authority": measure.lead_authority.name_de,
                        "lead_authority_en": measure.lead_authority.name_en,
                        # By id: the name lives on the account, which a deletion pseudonymises.
                        "responsible_id": measure.responsible_id,
                        "period": [measure.starts_on.isoformat(), measure.ends_on.isoformat()],
                        "projects": [
                            {
                                "id": p.pk,
                                "title": p.title,
                                "status": p.status,
                                "health": p.health,
                            }
                            for p in sorted(measure.projects.all(), key=lambda p: p.pk)
                        ],
                        "budget": _money(measure_budget(measure)),
                        "report": None
                        if submission is None
                        else {
                            "status": submission.status,
                            "rating": submission.rating,
                            "itd_rating": submission.itd_rating,
                            "light": submission.light,
                            "text": submission.text,
                            "late": submission.late,
                            "submitted_at": submission.submitted_at.isoformat()
                            if submission.submitted_at
                            else None,
                            "review_comment": submission.review_comment,
                            "coordinator_note": submission.coordinator_note,
                        },
                        "indicators": [_indicator(i, until) for i in measure.indicators.all()],
                    }
                )
            goals.append(
                {
                    "id": goal.pk,
                    "code": goal.code,
                    "title": goal.title,
                    "indicators": [
                        _indicator(i, until) for i in goal.indicators.all() if i.measure_id is None
                    ],
                    "measures": measures,
                }
            )
        spaces.append(
            {"slug": space.slug, "name": space.name_de, "name_en": space.name_en, "goals": goals}
        )
    return {
        "version": VERSION,
        "round": {
            "name": round_.name,
            "period": [round_.period_start.isoformat(), round_.period_end.isoformat()],
            "deadline": round_.deadline.isoformat(),
        },
        "frozen_at": at.isoformat(),
        "spaces": spaces,
    }


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(content: dict[str, Any], previous: str) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(content)).hexdigest()


def verify_chain() -> list[str]:
    """The frozen rounds, oldest first, whose snapshot or link no longer matches (empty: the
    chain holds)."""
    broken, previous = [], ""
    for round_ in Round.objects.filter(status=Round.Status.FROZEN).order_by("frozen_at", "pk"):
        if (
            round_.previous_digest != previous
            or digest(round_.snapshot or {}, previous) != round_.digest
        ):
            broken.append(round_.name)
        previous = round_.digest
    return broken
