"""`make bench`: 100,000 discussion posts to search, in threads of every space (bulk_create).

German sentences from a small vocabulary, so a word's forms occur in many posts ("Ladesäule",
"Ladesäulen") and a search has thousands of candidates to rank, as in years of real use.
Running it again replaces the benchmark threads; --append adds as many again instead (the bench's
second run at double the data).
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from contacts.models import User
from discussions.models import Post, Thread
from spaces.models import Space

PREFIX = "Benchmark: "
BATCH = 5000
POSTS_PER_THREAD = 20

TOPICS = [
    "Ladesäulen im Quartier",
    "Schulportal und Lernplattform",
    "Parkraummanagement digital",
    "Baustellenkoordination",
    "Open Data im Hafen",
    "Fachverfahren ablösen",
    "Bürgerservice online",
    "Sensorik für Starkregen",
    "E-Akte in den Bezirken",
    "Barrierefreiheit der Formulare",
]
WORDS = [
    "Antrag",
    "Verwaltung",
    "Bezirk",
    "Behörde",
    "Zeitplan",
    "Vergabe",
    "Schnittstelle",
    "Datenschutz",
    "Betrieb",
    "Pilotphase",
    "Nutzerinnen",
    "Rückmeldung",
    "Haushalt",
    "Vollkosten",
    "Meilenstein",
    "Abstimmung",
    "Fachbereich",
    "Plattform",
    "Verfahren",
    "Dokumentation",
    "Rechenzentrum",
    "Ausschreibung",
    "Standorte",
    "Netzausbau",
    "Förderung",
    "Bürgerinnen",
    "Formular",
    "Prozess",
    "Digitalisierung",
    "Leitstelle",
    "Messwerte",
    "Wartung",
    "Anbindung",
]


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--posts", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="also with DEBUG off")
        parser.add_argument(
            "--append", action="store_true", help="add to the benchmark threads, keep them"
        )

    def handle(
        self, *args: object, posts: int, seed: int, force: bool, append: bool, **options: object
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Benchmark data: DEBUG=true or --force.")
        existing = Thread.objects.filter(title__startswith=PREFIX)
        # Appended threads are numbered after the existing ones, from another seed.
        first = existing.count() if append else 0
        rng = random.Random(seed + first)
        spaces = list(Space.objects.order_by("position"))
        authors = list(User.objects.filter(is_active=True).order_by("pk")[:2000])
        if not authors:
            raise CommandError("Generate the people first (generate_benchmark_data).")
        started = time.monotonic()
        now = timezone.now()
        with transaction.atomic():
            if not append:
                existing.delete()
            n_threads = max(1, posts // POSTS_PER_THREAD)
            threads = Thread.objects.bulk_create(
                [
                    Thread(
                        space=spaces[i % len(spaces)],
                        title=f"{PREFIX}{rng.choice(TOPICS)} {first + i}",
                        author=rng.choice(authors),
                        created_at=now,
                        last_post_at=now,
                        post_count=POSTS_PER_THREAD,
                    )
                    for i in range(n_threads)
                ],
                batch_size=BATCH,
            )
            batch: list[Post] = []
            for i in range(posts):
                thread = threads[i // POSTS_PER_THREAD % len(threads)]
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40)))
                if rng.random() < 0.05:
                    body += " " + rng.choice(["Ladesäule", "Ladesäulen", "Ladesäulenkonzept"])
                batch.append(
                    Post(
                        thread=thread,
                        number=i % POSTS_PER_THREAD + 1,
                        author=rng.choice(authors),
                        body=body,
                        body_html=f"<p>{escape(body)}</p>",
                        created_at=now,
                    )
                )
                if len(batch) == BATCH:
                    Post.objects.bulk_create(batch)
                    batch = []
            Post.objects.bulk_create(batch)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE discussions_post")
                cursor.execute("ANALYZE discussions_thread")
        self.stdout.write(
            self.style.SUCCESS(
                f"{posts} posts in {n_threads} threads in {time.monotonic() - started:.1f}s."
            )
        )
