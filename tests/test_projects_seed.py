"""The demo portfolio: about 40 projects in all seven spaces, a cockpit with a story, twice safe."""

from __future__ import annotations

import io

from django.core.management import call_command

from contacts.models import User
from projects.models import BudgetLine, Milestone, Project
from projects.selectors.cockpit import cockpit
from spaces.models import Space


def _counts() -> tuple[int, int, int]:
    return Project.objects.count(), BudgetLine.objects.count(), Milestone.objects.count()


def test_seed_demo_adds_the_portfolio_and_running_it_twice_changes_nothing(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    assert 35 <= first[0] <= 45
    assert set(Project.objects.values_list("primary_space__slug", flat=True)) == set(
        Space.objects.values_list("slug", flat=True)
    )
    years = set(BudgetLine.objects.values_list("fiscal_year__year", flat=True))
    assert years == {2025, 2026, 2027}
    story = cockpit(User.objects.get(email="itd@example.org"))
    assert story.over_budget, "a few projects are over budget"
    assert story.overdue_count >= 3, "and some milestones are overdue"
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
