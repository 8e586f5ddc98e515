"""The demo strategy of `make run` (strategy/demo.py): every space has a believable strategy,
every status shows, one round is frozen with its chain intact, one is open with work to do,
and running the seed twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from notifications.models import Notification
from spaces.models import Space
from strategy import snapshots
from strategy.demo import Calendar
from strategy.models import (
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    Round,
    Submission,
    SubmittedValue,
)
from strategy.progress import Status


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Goal, Measure, Indicator, IndicatorValue, Round, Submission, SubmittedValue)
    )


def test_seed_demo_builds_a_strategy_with_both_rounds_and_runs_twice(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    before = _counts()

    for space in Space.objects.all():
        goals = Goal.objects.filter(space=space)
        assert 2 <= goals.count() <= 3, space.slug
        measures = Measure.objects.filter(goal__space=space)
        assert measures.values("lead_authority").distinct().count() >= 2, space.slug
        for goal in goals:
            leads = list(goal.measures.values_list("lead_authority", flat=True))
            assert 1 <= len(leads) <= 3 and len(set(leads)) == len(leads), goal.code
        for measure in measures:
            if measure.responsible is not None:
                assert measure.responsible.officer_roles.active().filter(
                    authority=measure.lead_authority
                ), measure.code
        assert measures.filter(projects__primary_space=space).exists(), space.slug

    indicators = Indicator.objects.prefetch_related("path", "values")
    statuses = {snapshots.indicator_assessment(i).status for i in indicators}
    assert {Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK} <= statuses
    assert all(i.path.count() >= 1 and i.values.count() >= 4 for i in indicators)
    assert indicators.filter(direction="down").exists()

    frozen = Round.objects.get(status=Round.Status.FROZEN)
    assert frozen.name.startswith("Berichtsrunde ") and frozen.spaces.count() == 7
    assert snapshots.verify_chain() == []
    reports = Submission.objects.filter(round=frozen)
    assert reports.exists() and not reports.exclude(status="accepted").exists()
    assert not reports.filter(late=True).exists()
    assert any(r.ratings_differ for r in reports)

    open_round = Round.objects.get(status=Round.Status.OPEN)
    assert open_round.spaces.count() == 7 and open_round.period_start > frozen.period_end
    states = set(Submission.objects.filter(round=open_round).values_list("status", flat=True))
    assert {"submitted", "returned", "draft"} <= states
    assert Submission.objects.filter(round=open_round, status="draft", text="").exists()
    assert Submission.objects.filter(round=open_round, status="returned").exclude(review_comment="")
    # The demo officer signing in finds a report to write or correct.
    assert Submission.objects.filter(
        round=open_round,
        status__in=["draft", "returned"],
        measure__lead_authority__code="BVM",
        measure__responsible__user__email="dv.bvm@example.org",
    ).exists()
    # Demo data is not news.
    assert not Notification.objects.filter(kind__startswith="strategy").exists()

    call_command("seed_demo")
    assert _counts() == before
    assert snapshots.verify_chain() == []


@pytest.mark.parametrize(
    ("on", "frozen", "open_"),
    [
        (dt.date(2026, 12, 5), "Berichtsrunde 2026/1", "Berichtsrunde 2026/2"),
        (dt.date(2027, 1, 1), "Berichtsrunde 2026/2", "Berichtsrunde 2027/1"),
        (dt.date(2027, 6, 30), "Berichtsrunde 2026/2", "Berichtsrunde 2027/1"),
        (dt.date(2027, 7, 1), "Berichtsrunde 2027/1", "Berichtsrunde 2027/2"),
    ],
)
def test_demo_calendar_frozen_round_is_the_last_complete_half_year(on, frozen, open_):
    cal = Calendar.of(on)
    assert (cal.round_name(cal.frozen_start), cal.round_name(cal.open_start)) == (frozen, open_)
    assert cal.frozen_end < on and cal.frozen_end + dt.timedelta(days=1) == cal.open_start
    assert (cal.frozen_end - cal.frozen_start).days >= 180
    assert cal.open_start <= cal.open_on <= on <= cal.open_end
    assert cal.baseline_on < min(cal.history) and max(cal.history) < cal.frozen_start
    assert len(cal.history) == 4 and cal.open_on < cal.path_on < cal.target_on
