"""The budget summary (projects.BudgetSummary) equals a fresh SUM over the lines, to the cent,
also when many transactions write lines at the same time.

The summary is kept by database triggers (migration projects/0006). Here threads with their own
database connections save, change and delete lines through the services, recompute personnel
lines with a new cost rate, delete a project, and change amounts directly in SQL, all at once;
afterwards the summary is compared with the lines.
"""

from __future__ import annotations

import random
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.db.models import Count, F, Q, Sum

from projects import services
from projects.models import (
    BudgetLine,
    BudgetSummary,
    BudgetVersion,
    CostCategory,
    CostRate,
    FiscalYear,
    FundingSource,
)
from projects.selectors import money

from .factories import ProjectFactory

AMOUNTS = ("planned", "revised", "committed", "actual")


def _fresh_sums() -> dict[tuple[int, int], tuple]:
    programme = Q(funding_source__is_programme=True)
    rows = (
        BudgetLine.objects.values("project_id", "fiscal_year_id")
        .annotate(
            n=Count("pk"),
            **{f"s_{a}": Sum(a) for a in AMOUNTS},
            **{f"p_{a}": Sum(a, filter=programme, default=Decimal("0")) for a in AMOUNTS},
        )
        .order_by()
    )
    return {
        (r["project_id"], r["fiscal_year_id"]): (
            r["n"],
            *(r[f"s_{a}"] for a in AMOUNTS),
            *(r[f"p_{a}"] for a in AMOUNTS),
        )
        for r in rows
    }


def _summary() -> dict[tuple[int, int], tuple]:
    return {
        (s.project_id, s.fiscal_year_id): (
            s.line_count,
            *(getattr(s, a) for a in AMOUNTS),
            *(getattr(s, f"programme_{a}") for a in AMOUNTS),
        )
        for s in BudgetSummary.objects.all()
    }


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(0, 10_000_000)) / 100


class Worker(threading.Thread):
    """Writes for a while on its own connection; counts what went through."""

    def __init__(self, seed: int, itd, projects, years, categories, sources, start_gate):
        super().__init__()
        self.rng = random.Random(seed)
        self.itd, self.projects, self.years = itd, projects, years
        self.categories, self.sources = categories, sources
        self.start_gate = start_gate
        self.done = 0
        self.refused = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.start_gate.wait()
            for _ in range(40):
                try:
                    self.step()
                    self.done += 1
                except (ValidationError, DatabaseError):
                    # A stale version, a clash, a deadlock: refused and rolled back as a whole.
                    self.refused += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            connection.close()

    def step(self) -> None:
        rng = self.rng
        project = rng.choice(self.projects)
        year = rng.choice(self.years)
        choice = rng.random()
        if choice < 0.45:
            rows = []
            for category, source in rng.sample(
                [(c, s) for c in self.categories for s in self.sources], 3
            ):
                line = BudgetLine.objects.filter(
                    project=project, fiscal_year=year, category=category, funding_source=source
                ).first()
                values: dict[str, Any] = {"planned": _amount(rng), "committed": _amount(rng)}
                values["actual"] = _amount(rng)
                if category.is_personnel:
                    values = {"fte": Decimal("0.5"), "pay_grade": "E 13", "months": 6}
                rows.append(
                    services.LineInput(
                        category=category,
                        funding_source=source,
                        line_id=line.pk if line else None,
                        version=line.version if line else None,
                        **values,
                    )
                )
            services.budget_lines_save(actor=self.itd, project=project, fiscal_year=year, rows=rows)
        elif choice < 0.65:
            line = BudgetLine.objects.filter(project=project).order_by("?").first()
            if line is not None:
                services.budget_line_delete(actor=self.itd, line=line, version=line.version)
        elif choice < 0.75:
            services.cost_rate_set(
                actor=self.itd,
                fiscal_year=rng.choice(self.years),
                pay_grade="E 13",
                annual_full_cost=Decimal(rng.randrange(60_000, 120_000)),
            )
        else:
            # Straight SQL, many projects in one statement and no project lock at all.
            BudgetLine.objects.filter(
                project__in=rng.sample(self.projects, 3), fiscal_year=year
            ).update(actual=F("actual") + _amount(rng), committed=F("committed") + Decimal("0.01"))


@pytest.mark.django_db(transaction=True)
def test_summary_equals_the_lines_after_concurrent_writes(reference_data, itd, space, authority):
    years = list(FiscalYear.objects.filter(year__in=(2025, 2026, 2027)))
    for year in years:
        year.closed = False
        year.save()
        CostRate.objects.update_or_create(
            fiscal_year=year, pay_grade="E 13", defaults={"annual_full_cost": Decimal("90000")}
        )
    projects = [
        ProjectFactory(slug=f"parallel-{i}", primary_space=space, lead_authority=authority)
        for i in range(6)
    ]
    doomed = ProjectFactory(slug="parallel-doomed", primary_space=space, lead_authority=authority)
    categories = list(CostCategory.objects.all())
    sources = list(FundingSource.objects.all())
    services.budget_lines_save(
        actor=itd,
        project=doomed,
        fiscal_year=years[0],
        rows=[
            services.LineInput(category=categories[1], funding_source=s, planned=Decimal("5"))
            for s in sources
        ],
    )
    version_before = BudgetVersion.objects.get().counter

    gate = threading.Barrier(5)
    workers = [Worker(seed, itd, projects, years, categories, sources, gate) for seed in range(4)]
    for worker in workers:
        worker.start()
    gate.wait()
    services.project_delete(actor=itd, project=doomed, version=doomed.version)
    for worker in workers:
        worker.join(timeout=300)

    assert not [w.error for w in workers if w.error], [w.error for w in workers]
    assert sum(w.done for w in workers) > 80, [(w.done, w.refused) for w in workers]
    assert BudgetLine.objects.count() > 0
    assert not BudgetSummary.objects.filter(project_id=doomed.pk).exists()
    assert _summary() == _fresh_sums()
    assert BudgetVersion.objects.get().counter != version_before


@pytest.mark.django_db(transaction=True)
def test_programme_sums_follow_a_change_of_the_funding_source(
    reference_data, itd, space, authority
):
    project = ProjectFactory(slug="quelle", primary_space=space, lead_authority=authority)
    year = FiscalYear.objects.get(year=2026)
    category = CostCategory.objects.get(code="sach")
    own = FundingSource.objects.get(code="eigen")
    services.budget_lines_save(
        actor=itd,
        project=project,
        fiscal_year=year,
        rows=[services.LineInput(category=category, funding_source=own, planned=Decimal("7.01"))],
    )
    before, _all, _budget = money.rollup_programme()
    own.is_programme = True
    own.save()
    after, _all, _budget = money.rollup_programme()  # cached before, yet not stale
    assert after.planned == before.planned + Decimal("7.01")
    assert _summary() == _fresh_sums()


def _wait_until_someone_waits_for_a_lock(seconds: float = 10) -> None:
    import time

    from django.db import connections

    with connections["default"].cursor() as cursor:  # the test's own connection
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps the first look at the activity: look anew.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the other transaction never waited")


@pytest.mark.django_db(transaction=True)
def test_a_new_cost_rate_while_a_budget_is_saved_waits_instead_of_deadlocking(
    reference_data, itd, space, authority, monkeypatch
):
    """A new rate recomputes the personnel lines of every project using it; a budget save
    changes its lines one after another. Here the save has written a material-cost line (and
    so holds the budget version) when the rate change starts, before the save reaches the
    personnel line the rate change would lock: the rate change waits (services._lock_budget;
    the fiscal year's row, locked by both, serialises them too), and both end with the right
    figures."""
    year = FiscalYear.objects.get(year=2026)
    year.closed = False
    year.save()
    CostRate.objects.update_or_create(
        fiscal_year=year, pay_grade="E 13", defaults={"annual_full_cost": Decimal("90000")}
    )
    project = ProjectFactory(slug="rate-race", primary_space=space, lead_authority=authority)
    personnel = CostCategory.objects.get(code="personal")
    material = CostCategory.objects.get(code="sach")
    own = FundingSource.objects.get(code="eigen")
    basis = {"fte": Decimal("1.00"), "pay_grade": "E 13", "months": 12}
    people, things = services.budget_lines_save(
        actor=itd,
        project=project,
        fiscal_year=year,
        rows=[
            services.LineInput(category=personnel, funding_source=own, **basis),
            services.LineInput(category=material, funding_source=own, planned=Decimal("500")),
        ],
    )

    rate_change: dict[str, Any] = {}

    def change_the_rate() -> None:
        try:
            rate_change["result"] = services.cost_rate_set(
                actor=itd, fiscal_year=year, pay_grade="E 13", annual_full_cost=Decimal("96000")
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            rate_change["error"] = exc
        finally:
            connection.close()

    other = threading.Thread(target=change_the_rate)
    save_line = services._save_line

    def save_then_let_the_rate_change_come_between(**kwargs: Any) -> Any:
        line = save_line(**kwargs)
        if not other.is_alive() and not rate_change:
            other.start()  # the save holds the budget version now and goes on to the people
            _wait_until_someone_waits_for_a_lock()
        return line

    monkeypatch.setattr(services, "_save_line", save_then_let_the_rate_change_come_between)
    services.budget_lines_save(
        actor=itd,
        project=project,
        fiscal_year=year,
        rows=[
            services.LineInput(
                category=material,
                funding_source=own,
                line_id=things.pk,
                version=things.version,
                planned=Decimal("600"),
            ),
            services.LineInput(
                category=personnel,
                funding_source=own,
                line_id=people.pk,
                version=people.version,
                note="geprüft",
                **basis,
            ),
        ],
    )
    other.join(timeout=60)
    assert "error" not in rate_change, rate_change["error"]
    _rate, recomputed = rate_change["result"]
    assert recomputed == 1
    people.refresh_from_db()
    assert (people.planned, people.note) == (Decimal("96000.00"), "geprüft")
    assert BudgetLine.objects.get(pk=things.pk).planned == Decimal("600.00")
    assert _summary() == _fresh_sums()
