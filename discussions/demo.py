"""Demo discussions for `seed_demo`: threads with replies in two spaces and on one project.

Written directly (not through the services): demo data is not news, so nobody is notified. The
posts are rendered like every other (discussions.markup), mentions included. Runs twice safely.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from contacts.models import User
from projects.models import Project
from spaces.models import Space

from . import selectors
from .markup import render
from .models import Follow, Post, Thread

# (where: space slug or "project", title, [(author e-mail, days ago, body), ...])
THREADS = [
    (
        "mobilitaet-energie",
        "Ladeinfrastruktur: gemeinsame Datenbasis für die Bezirke",
        [
            (
                "koordination@example.org",
                12,
                "Für die Planung der Ladesäulen brauchen wir **eine** Datenbasis statt vier "
                "Tabellen. Vorschlag:\n\n1. Standorte aus dem Geoportal\n2. Auslastung der "
                "Betreiber (monatlich)\n3. Anträge der Bezirke\n\nWer kann zu Punkt 2 etwas "
                "sagen? @malte.iversen",
            ),
            (
                "mitglied@example.org",
                11,
                "Die BUKEA bekommt die Auslastung bisher quartalsweise. Monatlich wäre "
                "möglich, wenn die Betreiber mitziehen – ich frage nach.",
            ),
            (
                "dv.bvm@example.org",
                9,
                "Aus Sicht der BVM: gern, aber bitte mit dem Datenschutzkonzept aus dem "
                "[Transparenzportal](https://transparenz.hamburg.de/) abstimmen.",
            ),
        ],
    ),
    (
        "mobilitaet-energie",
        "Termin für den Workshop „Digitaler Bauantrag“",
        [
            (
                "koordination@example.org",
                5,
                "Ich schlage den 14. oder 21. des nächsten Monats vor, jeweils 10–12 Uhr.",
            ),
            ("mitglied@example.org", 4, "Der 21. passt mir besser."),
        ],
    ),
    (
        "wissen-bildung",
        "Lernplattform: Erfahrungen aus der Hochschulpraxis",
        [
            (
                "itd@example.org",
                8,
                "Frau Asmussen, Sie hatten angeboten, die Erfahrungen der HCU einzubringen. "
                "@greta.asmussen – magst du hier kurz zusammenfassen?",
            ),
            (
                "gast@example.org",
                7,
                "Sehr gern. Drei Punkte:\n\n- **Barrierefreiheit** von Anfang an prüfen\n"
                "- Single Sign-on mit den Schulkonten\n- offene Formate für Kursinhalte",
            ),
        ],
    ),
    (
        "project",
        "Ausschreibung: Stand der Vergabe",
        [
            (
                "dv.bvm@example.org",
                3,
                "Die Vergabeunterlagen sind fertig. Offene Frage: Losaufteilung ja oder nein?",
            ),
            ("koordination@example.org", 2, "Ich würde zwei Lose bilden: Plattform und Betrieb."),
        ],
    ),
]


def _project() -> Project | None:
    """A project of the demo coordinator's space, for its thread."""
    return (
        Project.objects.filter(primary_space__slug="mobilitaet-energie")
        .exclude(visibility=Project.Visibility.RESTRICTED)
        .order_by("slug")
        .first()
    )


def seed_discussions() -> int:
    """Create the demo threads that do not exist yet; returns how many were created."""
    people = {u.email: u for u in User.objects.filter(email__endswith="@example.org")}
    spaces = {s.slug: s for s in Space.objects.all()}
    project = _project()
    created = 0
    with transaction.atomic():
        for where_key, title, posts in THREADS:
            where = project if where_key == "project" else spaces.get(where_key)
            authors = [people.get(email) for email, _days, _body in posts]
            if where is None or None in authors:
                continue
            scope = {"project": where} if where_key == "project" else {"space": where}
            if Thread.objects.filter(title=title, **scope).exists():
                continue
            _thread(where, scope, title, posts, people)
            created += 1
    return created


def _thread(
    where: Space | Project,
    scope: dict[str, Space | Project],
    title: str,
    posts: list[tuple[str, int, str]],
    people: dict[str, User],
) -> None:
    now = timezone.now()
    targets = selectors.mention_scope(where).targets
    first = now - dt.timedelta(days=posts[0][1])
    thread = Thread.objects.create(
        title=title,
        author=people[posts[0][0]],
        created_at=first,
        last_post_at=now - dt.timedelta(days=posts[-1][1]),
        post_count=len(posts),
        **scope,
    )
    for number, (email, days, body) in enumerate(posts, start=1):
        Post.objects.create(
            thread=thread,
            number=number,
            author=people[email],
            body=body,
            body_html=render(body, targets).html,
            created_at=now - dt.timedelta(days=days),
        )
        Follow.objects.get_or_create(thread=thread, user=people[email])
