"""Benchmark data: many projects and budget lines, written with bulk_create in a few seconds.

    manage.py generate_benchmark_data --projects 5000 --lines 100000

Projects get the slug prefix `bench-`; running the command again replaces them. It also creates
the account the benchmark signs in with (ITD staff, with an authenticator secret), so it runs
only with DEBUG=true unless --force is given.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contacts.models import Authority, Person, User
from contacts.services import user_totp_enrol
from projects.models import (
    BudgetLine,
    CostCategory,
    FiscalYear,
    FundingSource,
    Milestone,
    Project,
)
from spaces.models import Space

PREFIX = "bench-"
BENCH_EMAIL = "bench.itd@example.org"
BENCH_PASSWORD = "Bench-Hamburg-2026!"  # noqa: S105 - a benchmark account on a local database
BENCH_TOTP_SECRET = "BENCHHAMBURGDIGITALRAEUMEXKEYS23"  # noqa: S105
YEARS = (2025, 2026, 2027)
BATCH = 5000


class Command(BaseCommand):
    help = "Create --projects projects with --lines budget lines in total (bulk, replaces old)."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=5000)
        parser.add_argument("--lines", type=int, default=100000)
        parser.add_argument(
            "--force", action="store_true", help="run without DEBUG (creates an account!)"
        )

    def handle(self, *args, projects: int, lines: int, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Creates an account with a known password: DEBUG=true or --force.")
        if projects < 1 or lines < 0:
            raise CommandError("--projects must be at least 1 and --lines not negative.")
        years = [FiscalYear.objects.get_or_create(year=y)[0] for y in YEARS]
        categories = list(CostCategory.objects.all())
        sources = list(FundingSource.objects.all())
        combos = list(itertools.product(years, categories, sources))
        if lines > projects * len(combos):
            raise CommandError(
                f"At most {len(combos)} lines per project (years x categories x sources)."
            )
        started = time.monotonic()
        with transaction.atomic():
            deleted, _ = Project.objects.filter(slug__startswith=PREFIX).delete()
            made = self._projects(projects)
            self._lines(made, lines, combos)
            self._account()
        self.stdout.write(
            self.style.SUCCESS(
                f"{projects} projects, {lines} budget lines in {time.monotonic() - started:.1f}s "
                f"(replaced {deleted} old rows). Sign-in: {BENCH_EMAIL}"
            )
        )

    def _projects(self, n: int) -> list[Project]:
        spaces = list(Space.objects.all())
        authorities = list(Authority.objects.current())
        statuses = [c.value for c in Project.Status]
        made: list[Project] = []
        for start in range(0, n, BATCH):
            batch = [
                Project(
                    title=f"Benchmark-Projekt {i:05d}",
                    slug=f"{PREFIX}{i:05d}",
                    summary="Erzeugt für die Lastmessung.",
                    primary_space=spaces[i % len(spaces)],
                    lead_authority=authorities[i % len(authorities)],
                    status=statuses[i % len(statuses)],
                    health=("green", "green", "amber", "red")[i % 4],
                    health_reason="" if i % 4 < 2 else "Verzug",
                    start=dt.date(2025, 1 + i % 12, 1),
                    end=dt.date(2027, 12, 31),
                    visibility=("public", "internal", "restricted")[i % 3],
                )
                for i in range(start, min(n, start + BATCH))
            ]
            made.extend(Project.objects.bulk_create(batch))
        through = Project.spaces.through
        through.objects.bulk_create(
            (through(project=p, space=spaces[(i + 1) % len(spaces)]) for i, p in enumerate(made)),
            batch_size=BATCH,
        )
        Milestone.objects.bulk_create(
            (
                Milestone(
                    project=p,
                    title="Pilot",
                    due=dt.date(2025 + i % 3, 6, 30),
                    done=None if i % 5 == 0 else dt.date(2025 + i % 3, 7, 15),
                )
                for i, p in enumerate(made)
            ),
            batch_size=BATCH,
        )
        return made

    def _lines(self, projects: list[Project], total: int, combos) -> None:
        per_project, extra = divmod(total, len(projects))

        def rows():
            for i, project in enumerate(projects):
                count = per_project + (1 if i < extra else 0)
                for k in range(count):
                    year, category, source = combos[(i + k) % len(combos)]
                    planned = Decimal(1000 + (i * 37 + k * 101) % 90000) + Decimal("0.25")
                    yield BudgetLine(
                        project=project,
                        fiscal_year=year,
                        category=category,
                        funding_source=source,
                        einzelplan="1.2",
                        aufgabenbereich="256",
                        produktgruppe="256.01",
                        planned=planned,
                        revised=planned,
                        committed=(planned / 10).quantize(Decimal("0.01")),
                        actual=(planned * Decimal("0.7" if (i + k) % 7 else "1.2")).quantize(
                            Decimal("0.01")
                        ),
                    )

        batch: list[BudgetLine] = []
        for line in rows():
            batch.append(line)
            if len(batch) == BATCH:
                BudgetLine.objects.bulk_create(batch)
                batch = []
        if batch:
            BudgetLine.objects.bulk_create(batch)

    def _account(self) -> None:
        user = User.objects.filter(email=BENCH_EMAIL).first()
        if user is None:
            user = User.objects.create_user(
                email=BENCH_EMAIL,
                password=BENCH_PASSWORD,
                first_name="Bench",
                last_name="ITD",
                is_itd_staff=True,
            )
        EmailAddress.objects.update_or_create(
            user=user, email=BENCH_EMAIL, defaults={"verified": True, "primary": True}
        )
        Person.objects.get_or_create(
            user=user, defaults={"authority": Authority.objects.get(code="ITD")}
        )
        user_totp_enrol(user=user, secret=BENCH_TOTP_SECRET)
