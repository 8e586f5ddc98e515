"""Demo meetings for `make run` (seed_demo): a few in Mobilität & Energie and in Wissen &
Bildung, with invitees and answers. Written directly, not through the services: demo data is
not news (nobody is notified). Runs twice safely (a meeting of the same title is kept)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.dates import today
from spaces.models import Membership, Space

from .models import Answer, Invitee, Meeting

# (space, title, days from today, start hour, hours, place, video, agenda, answers in turn)
DEMO_MEETINGS = [
    (
        "mobilitaet-energie",
        "Jour fixe Mobilität & Energie",
        3,
        10,
        1.5,
        "BVM, Alter Steinweg 4, Raum 2.14",
        "",
        "1. Stand der Projekte\n2. Ladeinfrastruktur: Datenplattform\n3. Verschiedenes",
        [Answer.YES, Answer.MAYBE, Answer.OPEN, Answer.NO],
    ),
    (
        "mobilitaet-energie",
        "Workshop Verkehrsdaten in Echtzeit",
        16,
        13,
        3,
        "",
        "https://meet.example.org/verkehrsdaten-echtzeit",
        "Ziele, Datenquellen der Hochbahn und der Polizei, nächste Schritte",
        [Answer.YES, Answer.YES, Answer.OPEN],
    ),
    (
        "mobilitaet-energie",
        "Jour fixe Mobilität & Energie (Oktober)",
        -40,
        10,
        1.5,
        "BVM, Alter Steinweg 4, Raum 2.14",
        "",
        "1. Haushalt 2027/2028\n2. Berichte an die Staatsrätinnen und Staatsräte",
        [Answer.YES, Answer.YES, Answer.NO],
    ),
    (
        "wissen-bildung",
        "Austausch mit der Hochschule: Lernplattformen",
        7,
        14,
        2,
        "HafenCity Universität, Henning-Voscherau-Platz 1",
        "https://meet.example.org/lernplattformen",
        "Erfahrungen der Schulen, Forschungsfragen der HCU",
        [Answer.YES, Answer.MAYBE, Answer.OPEN],
    ),
]

MINUTES = (
    "Anwesend: siehe Teilnehmerliste.\n\n"
    "TOP 1: Der Haushaltsentwurf wird bis zum 15. des Monats abgestimmt.\n"
    "TOP 2: Der Bericht geht in der nächsten Sitzung an die Staatsräterunde."
)


def seed_meetings() -> None:
    spaces = {s.slug: s for s in Space.objects.all()}
    for slug, title, days, hour, hours, place, video, agenda, answers in DEMO_MEETINGS:
        space = spaces.get(slug)
        if space is None or Meeting.objects.filter(space=space, title=title).exists():
            continue
        day = today() + dt.timedelta(days=days)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        people = (
            Membership.objects.active()
            .filter(space=space)
            .select_related("person")
            .order_by("role", "pk")
        )
        coordinator = next(
            (m.person for m in people if m.role == Membership.Role.COORDINATOR), None
        )
        meeting = Meeting.objects.create(
            space=space,
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            place=place,
            video_url=video,
            agenda=agenda,
            minutes=MINUTES if days < 0 else "",
            created_by=coordinator.user if coordinator else None,
            created_at=timezone.now() - dt.timedelta(days=max(1, 20 - days)),
        )
        invited = [m.person for m in people]
        Invitee.objects.bulk_create(
            Invitee(
                meeting=meeting,
                person=person,
                answer=answer,
                answered_at=timezone.now() if answer else None,
            )
            for person, answer in zip(invited, answers + [Answer.OPEN] * len(invited), strict=False)
        )
