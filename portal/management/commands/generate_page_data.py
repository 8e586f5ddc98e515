"""`make bench`: what the remaining pages show, on top of generate_benchmark_data.

    manage.py generate_page_data --force

- the strategy: the demo's goals, measures and indicators with their history and two reporting
  rounds (strategy.demo.seed_strategy, through the services, written as the bench's ITD
  account), when the database has no goals yet;
- meetings of the largest space, weekly over the past and the coming months, each with invitees
  from the space's members (the bench's member, officer and guest among them);
- notices for each bench account (the notification centre), on the bench projects.

It lives in the portal app because it writes into strategy, meetings and the outbox, which the
apps below it may not know of. Running it again replaces the meetings and notices; it runs only
with DEBUG=true unless --force is given (like the other benchmark commands).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from contacts.models import Person, User
from core import events
from meetings.models import Answer, Invitee, Meeting
from notifications.kinds import Kind
from notifications.models import MailStatus, Notification
from projects.models import Project
from spaces.models import Membership, Space
from strategy.demo import seed_strategy

PREFIX = "Benchmark: "
ACCOUNTS = ("itd", "officer", "member", "guest")
NOTICE_KINDS = (Kind.PROJECT_STATUS, Kind.PROJECT_HEALTH, Kind.MILESTONE_DUE, Kind.PROJECT_CREATED)


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--meetings", type=int, default=60, help="in the largest space")
        parser.add_argument("--invitees", type=int, default=40, help="per meeting")
        parser.add_argument("--notices", type=int, default=300, help="per bench account")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="also with DEBUG off")

    def handle(self, *args: object, force: bool, seed: int, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Benchmark data: DEBUG=true or --force.")
        itd = User.objects.filter(email="bench.itd@example.org").first()
        if itd is None:
            raise CommandError("Generate the people first (generate_benchmark_data).")
        rng = random.Random(seed)
        started = time.monotonic()
        space = Space.objects.order_by("position").first()
        assert space is not None
        with transaction.atomic(), events.quiet():
            goals = seed_strategy(itd=itd)
            meetings = self._meetings(rng, space, itd, options["meetings"], options["invitees"])
            notices = self._notices(rng, options["notices"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{goals} goals, {meetings} meetings in {space.slug}, {notices} notices in "
                f"{time.monotonic() - started:.1f}s."
            )
        )

    def _meetings(self, rng: random.Random, space: Space, itd: User, n: int, invitees: int) -> int:
        """n weekly meetings of the space, half past and half to come, each inviting the bench
        accounts that belong to the space and `invitees` of its other members."""
        Meeting.objects.filter(space=space, title__startswith=PREFIX).delete()
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        made = Meeting.objects.bulk_create(
            Meeting(
                space=space,
                title=f"{PREFIX}Jour fixe {k + 1}",
                starts_at=(start := now + dt.timedelta(weeks=k - n // 2, hours=1)),
                ends_at=start + dt.timedelta(hours=1, minutes=30),
                place="Raum 4.12",
                agenda="1. Stand der Projekte\n2. Haushalt\n3. Verschiedenes",
                created_by=itd,
            )
            for k in range(n)
        )
        members = Membership.objects.filter(space=space).active()
        bench = list(
            Person.objects.filter(
                memberships__in=members, user__email__regex=r"^bench\.(officer|member|guest)@"
            ).values_list("pk", flat=True)
        )
        others = list(
            members.exclude(person_id__in=bench).values_list("person_id", flat=True)[:2000]
        )
        answers = [a.value for a in Answer]
        rows = []
        for meeting in made:
            for person in {*bench, *rng.sample(others, min(invitees, len(others)))}:
                answer = rng.choice(answers)
                answered = meeting.created_at if answer else None
                rows.append(
                    Invitee(meeting=meeting, person_id=person, answer=answer, answered_at=answered)
                )
        Invitee.objects.bulk_create(rows, batch_size=5000)
        return len(made)

    def _notices(self, rng: random.Random, n: int) -> int:
        """n notices for each bench account on the bench projects, a third of them unread."""
        users = list(User.objects.filter(email__in=[f"bench.{a}@example.org" for a in ACCOUNTS]))
        Notification.objects.filter(recipient__in=users, title__startswith=PREFIX).delete()
        projects = list(
            Project.objects.filter(slug__startswith="bench-").values_list(
                "pk", "slug", "primary_space_id"
            )[:500]
        )
        now = timezone.now()
        rows = []
        for user in users:
            for k in range(n):
                pk, slug, space = rng.choice(projects)
                at = now - dt.timedelta(hours=k * 7 + rng.randrange(6))
                rows.append(
                    Notification(
                        recipient=user,
                        email=user.email,
                        kind=rng.choice(NOTICE_KINDS),
                        title=f"{PREFIX}Projekt {slug} geändert",
                        url=f"/projects/{slug}/",
                        space_id=space,
                        project_id=pk,
                        mail_status=MailStatus.NONE,
                        created_at=at,
                        read_at=None if k % 3 == 0 else at + dt.timedelta(hours=1),
                    )
                )
        Notification.objects.bulk_create(rows, batch_size=5000)
        return len(rows)
