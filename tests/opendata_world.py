"""A portal with one publication of each kind, as ITD marks them (tests/test_opendata*.py).

People who must never appear in open data: a public project's contact person, the officer
responsible for a measure of the frozen round, the requester of the published report; and the
figures of an internal project, which count in the programme totals but are never a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from opendata import services
from opendata.models import Category, Kind, Publication
from projects.models import FiscalYear, Project
from reports.models import Report
from strategy import services as strategy
from strategy.models import IndicatorValue, Round

from .factories import (
    DigitalOfficerFactory,
    PersonFactory,
    ProjectFactory,
    budget_line,
    strategy_tree,
)

CONTACT = ("Hannelore", "Quastenberg")
RESPONSIBLE = ("Torvald", "Schimmelpfennig")


@dataclass
class World:
    public: Project
    internal: Project
    round_: Round
    open_round: Round
    report: Report
    publications: dict[Kind, Publication]
    names: list[str]


def build_world(itd, space, authority) -> World:
    contact = PersonFactory.create(
        user__first_name=CONTACT[0],
        user__last_name=CONTACT[1],
        user__email="h.quastenberg@test.example.org",
        authority=authority,
    )
    public = ProjectFactory.create(
        slug="offenes-portal", title="Offenes Portal", visibility=Project.Visibility.PUBLIC
    )
    public.contact_persons.add(contact)
    internal = ProjectFactory.create(slug="internes-vorhaben", title="Internes Vorhaben")
    budget_line(public, 2025, revised=Decimal("1000.10"), actual=Decimal("250.05"))
    budget_line(public, 2026, revised=Decimal("2000.20"), actual=Decimal("0.01"))
    budget_line(internal, 2026, revised=Decimal("333.33"), actual=Decimal("111.11"))
    budget_line(internal, 2026, source="eigen", revised=Decimal("999.99"), actual=Decimal("9.99"))

    responsible = PersonFactory.create(
        user__first_name=RESPONSIBLE[0],
        user__last_name=RESPONSIBLE[1],
        user__email="t.schimmelpfennig@test.example.org",
        authority=authority,
    )
    DigitalOfficerFactory(person=responsible, authority=authority)
    today = timezone.localdate()
    _goal, measure, (of_goal, of_measure) = strategy_tree(
        space=space, authority=authority, responsible=responsible, projects=[public]
    )
    IndicatorValue.objects.create(
        indicator=of_measure,
        on=today - dt.timedelta(days=10),
        value=Decimal("35.5"),
        comment=f"gemeldet von {RESPONSIBLE[0]} {RESPONSIBLE[1]}",
    )
    round_ = strategy.round_open(
        actor=itd,
        name="2026/1",
        period_start=today - dt.timedelta(days=60),
        period_end=today - dt.timedelta(days=1),
        deadline=today,
        spaces=[space],
    )
    strategy.round_freeze(actor=itd, round_=round_)
    round_.refresh_from_db()
    open_round = Round.objects.create(
        name="2026/2", period_start=today, period_end=today + dt.timedelta(days=30), deadline=today
    )
    open_round.spaces.add(space)
    report = Report.objects.create(
        kind="budget",
        format="csv",
        scope="programme",
        fiscal_year=FiscalYear.objects.get(year=2026),
        status="ready",
        requested_by=itd,
    )
    publications = {
        Kind.PROJECTS: services.publication_publish(
            actor=itd, kind=Kind.PROJECTS, category=Category.STATISTICS
        ),
        Kind.BUDGET: services.publication_publish(
            actor=itd, kind=Kind.BUDGET, category=Category.BUDGET_PLANS
        ),
        Kind.STRATEGY_ROUND: services.publication_publish(
            actor=itd, kind=Kind.STRATEGY_ROUND, round_=round_, category=Category.STATISTICS
        ),
        Kind.REPORT: services.publication_publish(
            actor=itd, kind=Kind.REPORT, report=report, category=Category.BUDGET_PLANS
        ),
    }
    names = [*CONTACT, *RESPONSIBLE, itd.last_name, "quastenberg", "schimmelpfennig"]
    return World(public, internal, round_, open_round, report, publications, names)
