"""Benchmark data of a city's shape, written with bulk_create in well under a minute.

    manage.py generate_benchmark_data --projects 5000 --lines 100000 --people 20000 \
        --audit 150000

- projects with a varying number of budget lines (a few large ones, many small; the total is
  exactly --lines), contact persons, participating authorities, further spaces, partners;
- people in the current authorities (a few large ones) and external partners, with
  memberships skewed over the spaces (the largest has thousands of members), coordinators,
  guests, and the principal and deputy digitalisation officers of every authority;
- an audit trail (budget lines, projects, memberships) and a security log.

Projects get the slug prefix `bench-`, people the address prefix `bench.`; running the command
again replaces them, unless --append is given: then it adds as much again (numbered after the
existing ones, from the seed plus the count already there) and keeps the accounts, so the bench
measures the same pages at double the data with the same signed-in sessions.

It also creates the accounts the benchmark signs in with, one per role: ITD staff, a
digitalisation officer, a member of the largest space (these three with an authenticator
secret) and a guest of that space (an external person of a partner organisation, no authority:
guests need no second factor, so this one has none); and four more of each for the load test.
So it runs only with DEBUG=true unless --force is given. The same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Authority, DigitalOfficer, Organisation, Person, User
from contacts.services import user_totp_enrol
from core.models import AuditEntry, SecurityEvent
from projects.models import (
    BudgetLine,
    CostCategory,
    FiscalYear,
    FundingSource,
    Milestone,
    Project,
)
from spaces.models import Membership, Space

PREFIX = "bench-"
PEOPLE_PREFIX = "bench."
BENCH_EMAIL = "bench.itd@example.org"
BENCH_OFFICER_EMAIL = "bench.officer@example.org"
BENCH_MEMBER_EMAIL = "bench.member@example.org"
BENCH_GUEST_EMAIL = "bench.guest@example.org"
BENCH_PASSWORD = "Bench-Hamburg-2026!"  # noqa: S105 - a benchmark account on a local database
BENCH_TOTP_SECRET = "BENCHHAMBURGDIGITALRAEUMEXKEYS23"  # noqa: S105
YEARS = (2025, 2026, 2027)
BATCH = 5000
# Share of memberships per space, in the order of the spaces: a few large ones.
SPACE_WEIGHTS = (0.42, 0.2, 0.12, 0.09, 0.07, 0.06, 0.04)
FIRST = "Anna Ben Clara David Emma Finn Greta Hannah Ida Jonas Karla Lukas Mia Noah Ole Paula"
LAST = "Albers Brandt Claußen Dreyer Ehlers Fischer Grube Hansen Iversen Jensen Krüger Lange"
FIRST_NAMES = FIRST.split()
LAST_NAMES = [f"{a}{b}" for a in LAST.split() for b in ("", "-Meyer", "-Schulz", "mann")]
FUNCTIONS = ("Referent/in", "Sachgebietsleitung", "Projektleitung", "Fachreferat", "")


class Command(BaseCommand):
    help = "City-scale benchmark data: projects, lines, people, memberships, audit trail."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=5000)
        parser.add_argument("--lines", type=int, default=100000)
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--audit", type=int, default=150000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="run without DEBUG (creates accounts!)"
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="add as much again to the existing benchmark data (keeps the accounts)",
        )

    def handle(self, *args, projects: int, lines: int, people: int, audit: int, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Creates accounts with a known password: DEBUG=true or --force.")
        if projects < 1 or lines < 0 or people < 50 or audit < 0:
            raise CommandError("--projects >= 1, --people >= 50, --lines and --audit >= 0.")
        append = options["append"]
        # Numbering and seed continue after what is there, so appended rows are new ones.
        self.first_person = User.objects.filter(email__startswith=f"{PEOPLE_PREFIX}person").count()
        self.first_project = Project.objects.filter(slug__startswith=PREFIX).count()
        if not append:
            self.first_person = self.first_project = 0
        self.rng = random.Random(options["seed"] + self.first_project)
        years = [FiscalYear.objects.get_or_create(year=y)[0] for y in YEARS]
        combos = list(
            itertools.product(years, CostCategory.objects.all(), FundingSource.objects.all())
        )
        if lines > projects * len(combos):
            raise CommandError(f"At most {len(combos)} lines per project.")
        self.spaces = list(Space.objects.order_by("position"))
        self.authorities = list(Authority.objects.current().order_by("pk"))
        started = time.monotonic()
        with transaction.atomic():
            if not append:
                self._remove_old()
            persons, by_authority = self._people(people, officers=not append)
            made = self._projects(projects, persons, by_authority)
            self._lines(made, lines, combos)
            self._audit(made, persons, audit)
            if not append:
                self._accounts(by_authority)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"{projects} projects, {lines} budget lines, {people} people, "
                f"{Membership.objects.count()} memberships, {AuditEntry.objects.count()} audit "
                f"entries in {time.monotonic() - started:.1f}s"
                + ("" if append else f". Sign-in: {BENCH_EMAIL}, {BENCH_OFFICER_EMAIL}, ")
                + ("" if append else f"{BENCH_MEMBER_EMAIL}, {BENCH_GUEST_EMAIL}")
            )
        )

    # --- Replace an earlier run ---------------------------------------------------------------

    def _remove_old(self) -> None:
        Project.objects.filter(slug__startswith=PREFIX).delete()
        old = Person.objects.filter(user__email__startswith=PEOPLE_PREFIX)
        Membership.objects.filter(person__in=old).delete()
        DigitalOfficer.objects.filter(person__in=old).delete()
        AuditEntry.objects.filter(actor_label__startswith="Benchmark").delete()
        SecurityEvent.objects.filter(user_label__startswith=PEOPLE_PREFIX).delete()
        User.objects.filter(email__startswith=PEOPLE_PREFIX).delete()
        Organisation.objects.filter(name__startswith="Benchmark-Partner").delete()

    # --- People, memberships, officers --------------------------------------------------------

    def _authority_weights(self) -> list[float]:
        """A few large authorities (weights 1/rank in a shuffled order); the ITD itself, an
        office of the Senate Chancellery, stays small (1 %)."""
        ranks = list(range(1, len(self.authorities) + 1))
        random.Random(7).shuffle(ranks)
        weights = [1 / rank for rank in ranks]
        share = sum(weights) / 100
        return [
            share if a.code == "ITD" else w for a, w in zip(self.authorities, weights, strict=True)
        ]

    def _people(self, n: int, *, officers: bool) -> tuple[list[Person], dict[int, list[Person]]]:
        """n people with their memberships; the principal and deputies of every authority
        unless `officers` is false (an appended run: the authorities have theirs)."""
        rng = self.rng
        password = make_password(None)  # unusable: these people never sign in here
        first = Organisation.objects.filter(name__startswith="Benchmark-Partner").count()
        organisations = Organisation.objects.bulk_create(
            Organisation(name=f"Benchmark-Partner {i:02d}", kind="company")
            for i in range(first, first + 40)
        )
        weights = self._authority_weights()
        users, persons = [], []
        for i in range(self.first_person, self.first_person + n):
            users.append(
                User(
                    email=f"{PEOPLE_PREFIX}person{i:05d}@example.org",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    password=password,
                )
            )
        users = User.objects.bulk_create(users, batch_size=BATCH)
        for i, user in enumerate(users):
            external = i % 10 == 9
            persons.append(
                Person(
                    user=user,
                    function=rng.choice(FUNCTIONS),
                    phone=f"040 428 {i:05d}",
                    authority=None if external else rng.choices(self.authorities, weights)[0],
                    organisation=rng.choice(organisations) if external else None,
                    named_publicly=i % 3 == 0,
                )
            )
        persons = Person.objects.bulk_create(persons, batch_size=BATCH)
        by_authority: dict[int, list[Person]] = {}
        for person in persons:
            if person.authority_id:
                by_authority.setdefault(person.authority_id, []).append(person)
        self._memberships(persons)
        if officers:
            self._officers(by_authority)
        return persons, by_authority

    def _officers(self, by_authority: dict[int, list[Person]]) -> None:
        """The principal and two deputies of every authority, from its first people."""
        officers = []
        for authority in self.authorities:
            staff = by_authority.get(authority.pk, [])
            for k, person in enumerate(staff[:3]):
                role = DigitalOfficer.Role.PRINCIPAL if k == 0 else DigitalOfficer.Role.DEPUTY
                officers.append(
                    DigitalOfficer(
                        person=person, authority=authority, role=role, since=dt.date(2024, 1, 1)
                    )
                )
        DigitalOfficer.objects.bulk_create(officers)

    def _memberships(self, persons: list[Person]) -> None:
        rng = self.rng
        today = timezone.localdate()
        rows = []
        for person in persons:
            count = rng.choices((0, 1, 2, 3), (0.35, 0.42, 0.17, 0.06))[0]
            for space in set(rng.choices(self.spaces, SPACE_WEIGHTS, k=count)):
                if person.organisation_id:
                    rows.append(
                        Membership(
                            person=person,
                            space=space,
                            role=Membership.Role.GUEST,
                            organisation_id=person.organisation_id,
                            since=today - dt.timedelta(days=30),
                            until=today + dt.timedelta(days=180),
                        )
                    )
                else:
                    rows.append(
                        Membership(
                            person=person,
                            space=space,
                            role=Membership.Role.MEMBER,
                            authority_id=person.authority_id,
                            since=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(600)),
                        )
                    )
        by_space: dict[int, list[Membership]] = {}
        for row in rows:
            if row.role == Membership.Role.MEMBER:
                by_space.setdefault(row.space_id, []).append(row)
        for members in by_space.values():
            for row in members[:2]:
                row.role = Membership.Role.COORDINATOR
        Membership.objects.bulk_create(rows, batch_size=BATCH)

    # --- Projects and lines -------------------------------------------------------------------

    def _projects(
        self, n: int, persons: list[Person], by_authority: dict[int, list[Person]]
    ) -> list[Project]:
        rng = self.rng
        spaces, authorities = self.spaces, self.authorities
        statuses = [c.value for c in Project.Status]
        weights = self._authority_weights()
        made: list[Project] = []
        for start in range(0, n, BATCH):
            batch = []
            for i in range(self.first_project + start, self.first_project + min(n, start + BATCH)):
                batch.append(
                    Project(
                        title=f"Benchmark-Projekt {i:05d}",
                        slug=f"{PREFIX}{i:05d}",
                        summary="Erzeugt für die Lastmessung.",
                        primary_space=rng.choices(spaces, SPACE_WEIGHTS)[0],
                        lead_authority=rng.choices(authorities, weights)[0],
                        status=statuses[i % len(statuses)],
                        health=("green", "green", "amber", "red")[i % 4],
                        health_reason="" if i % 4 < 2 else "Verzug",
                        start=dt.date(2025, 1 + i % 12, 1),
                        end=dt.date(2027, 12, 31),
                        visibility=("public", "internal", "restricted")[i % 3],
                    )
                )
            made.extend(Project.objects.bulk_create(batch))
        further, participating, contacts, milestones = [], [], [], []
        Further = Project.spaces.through
        Participating = Project.participating_authorities.through
        Contact = Project.contact_persons.through
        for i, p in enumerate(made):
            for space in rng.sample(spaces, rng.choice((0, 0, 1, 2))):
                if space.pk != p.primary_space_id:
                    further.append(Further(project=p, space=space))
            for authority in rng.sample(authorities, rng.choice((0, 1, 1, 2, 3))):
                if authority.pk != p.lead_authority_id:
                    participating.append(Participating(project=p, authority=authority))
            staff = by_authority.get(p.lead_authority_id) or persons
            for person in {rng.choice(staff) for _ in range(rng.choice((1, 1, 2, 3)))}:
                contacts.append(Contact(project=p, person=person))
            milestones.append(
                Milestone(
                    project=p,
                    title="Pilot",
                    due=dt.date(2025 + i % 3, 6, 30),
                    done=None if i % 5 == 0 else dt.date(2025 + i % 3, 7, 15),
                )
            )
        batches: tuple[tuple[Any, list[Any]], ...] = (
            (Further, further),
            (Participating, participating),
            (Contact, contacts),
            (Milestone, milestones),
        )
        for model, rows in batches:
            model.objects.bulk_create(rows, batch_size=BATCH)
        return made

    def _line_counts(self, n: int, total: int, most: int) -> list[int]:
        """A skewed number of lines per project (lognormal), exactly `total` in all."""
        rng = self.rng
        raw = [rng.lognormvariate(0, 0.9) for _ in range(n)]
        scale = total / sum(raw)
        counts = [min(most, int(r * scale)) for r in raw]
        missing = total - sum(counts)
        while missing:
            i = rng.randrange(n)
            step = 1 if missing > 0 else -1
            if 0 <= counts[i] + step <= most:
                counts[i] += step
                missing -= step
        return counts

    def _lines(self, projects: list[Project], total: int, combos) -> None:
        rng = self.rng
        counts = self._line_counts(len(projects), total, len(combos))

        def rows():
            for i, (project, count) in enumerate(zip(projects, counts, strict=True)):
                for k, (year, category, source) in enumerate(rng.sample(combos, count)):
                    planned = Decimal(rng.randrange(100_000, 9_000_000)) / 100
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
                        note="Abschlag; Rechnung folgt" if k % 9 == 0 else "",
                    )

        batch: list[BudgetLine] = []
        for line in rows():
            batch.append(line)
            if len(batch) == BATCH:
                BudgetLine.objects.bulk_create(batch)
                batch = []
        if batch:
            BudgetLine.objects.bulk_create(batch)

    # --- Audit trail and security log ---------------------------------------------------------

    def _audit(self, projects: list[Project], persons: list[Person], n: int) -> None:
        """n audit entries: mostly budget-line changes (naming the project), then project and
        membership changes, over the last three years; and a security log of sign-ins."""
        rng = self.rng
        if not n:
            return
        line_ct = ContentType.objects.get_for_model(BudgetLine)
        project_ct = ContentType.objects.get_for_model(Project)
        membership_ct = ContentType.objects.get_for_model(Membership)
        now = timezone.now()
        line_ids = list(BudgetLine.objects.values_list("pk", "project_id"))
        membership_ids = list(Membership.objects.values_list("pk", flat=True)[:50000])

        def entries():
            for _ in range(n):
                at = now - dt.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
                kind = rng.random()
                if kind < 0.75 and line_ids:
                    line_id, project_id = rng.choice(line_ids)
                    old = rng.randrange(1000, 90000)
                    yield AuditEntry(
                        created_at=at,
                        actor_label="Benchmark ITD",
                        action="update",
                        content_type=line_ct,
                        object_id=str(line_id),
                        object_repr="2026 · Sachkosten · ITD-Strategiebudget",
                        changes={
                            "actual": [f"{old}.00", f"{old + 500}.00"],
                            "project_ref": project_id,
                        },
                    )
                elif kind < 0.9:
                    project = rng.choice(projects)
                    yield AuditEntry(
                        created_at=at,
                        actor_label="Benchmark ITD",
                        action="update",
                        content_type=project_ct,
                        object_id=str(project.pk),
                        object_repr=project.title,
                        changes={"health": ["green", "amber"]},
                    )
                elif membership_ids:
                    yield AuditEntry(
                        created_at=at,
                        actor_label="Benchmark Koordination",
                        action="create",
                        content_type=membership_ct,
                        object_id=str(rng.choice(membership_ids)),
                        object_repr="Mitgliedschaft",
                        changes={"role": [None, "member"]},
                    )

        AuditEntry.objects.bulk_create(entries(), batch_size=BATCH)
        users = [p.user_id for p in persons]
        SecurityEvent.objects.bulk_create(
            (
                SecurityEvent(
                    created_at=now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60)),
                    kind=SecurityEvent.Kind.LOGIN,
                    user_id=(user := rng.choice(users)),
                    user_label=f"{PEOPLE_PREFIX}{user}",
                    ip="127.0.0.1",
                )
                for _ in range(n // 5)
            ),
            batch_size=BATCH,
        )

    # --- The accounts the benchmark signs in with ---------------------------------------------

    def _account(self, email: str, *, second_factor: bool = True, **extra: Any) -> User:
        """A signed-in role's account: the benchmark password, a verified address and, unless
        `second_factor` is false, the benchmark's authenticator secret."""
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=BENCH_PASSWORD, **extra)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if second_factor:
            user_totp_enrol(user=user, secret=BENCH_TOTP_SECRET)
        return user

    def _accounts(self, by_authority: dict[int, list[Person]]) -> None:
        """The accounts of the four roles, and four more of each for the load test (it signs
        in once per account: a code is valid once per account)."""
        # The officer's and the member's authority: the one with the most people.
        largest = max(by_authority, key=lambda pk: len(by_authority[pk]))
        partner = Organisation.objects.filter(name__startswith="Benchmark-Partner").first()
        assert partner is not None
        roles = (
            ("itd", self._itd),
            ("officer", lambda email, name: self._officer(email, name, largest)),
            ("member", lambda email, name: self._member(email, name, largest)),
            ("guest", lambda email, name: self._guest(email, name, partner)),
        )
        for role, make in roles:
            make(f"{PEOPLE_PREFIX}{role}@example.org", "Bench")
            for k in range(1, 5):
                make(f"{PEOPLE_PREFIX}load.{role}{k}@example.org", f"Load {k}")

    def _itd(self, email: str, first_name: str) -> None:
        user = self._account(email, first_name=first_name, last_name="ITD", is_itd_staff=True)
        Person.objects.get_or_create(
            user=user, defaults={"authority": Authority.objects.get(code="ITD")}
        )

    def _officer(self, email: str, first_name: str, authority_id: int) -> None:
        """The principal (the bench account) or a deputy (the load accounts) of the authority
        that has the most people, member of the largest space (all of them: the load test's
        officers open the pages the bench's officer opened)."""
        user = self._account(email, first_name=first_name, last_name="Officer")
        person, _ = Person.objects.get_or_create(user=user, defaults={"authority_id": authority_id})
        principal = email == BENCH_OFFICER_EMAIL
        DigitalOfficer.objects.get_or_create(
            person=person,
            authority_id=authority_id,
            ended_at=None,
            defaults={
                "role": DigitalOfficer.Role.PRINCIPAL if principal else DigitalOfficer.Role.DEPUTY,
                "since": dt.date(2024, 1, 1),
            },
        )
        self._join(person, Membership.Role.MEMBER, authority_id=authority_id)

    def _member(self, email: str, first_name: str, authority_id: int) -> None:
        """Staff of an authority, member (not coordinator) of the largest space."""
        user = self._account(email, first_name=first_name, last_name="Member")
        person, _ = Person.objects.get_or_create(user=user, defaults={"authority_id": authority_id})
        self._join(person, Membership.Role.MEMBER, authority_id=authority_id)

    def _guest(self, email: str, first_name: str, partner: Organisation) -> None:
        """An external person of a partner organisation (no authority), guest of the largest
        space for half a year; guests need no second factor, so this account has none."""
        user = self._account(email, second_factor=False, first_name=first_name, last_name="Guest")
        person, _ = Person.objects.get_or_create(user=user, defaults={"organisation": partner})
        today = timezone.localdate()
        self._join(
            person,
            Membership.Role.GUEST,
            organisation=partner,
            since=today - dt.timedelta(days=30),
            until=today + dt.timedelta(days=180),
        )

    def _join(self, person: Person, role: str, **fields: Any) -> None:
        Membership.objects.get_or_create(
            person=person,
            space=self.spaces[0],
            ended_at=None,
            defaults={"role": role, **fields},
        )
