"""Demo data for `make run`: people, officers and memberships in every space. Runs twice safely."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contacts.models import Authority, DigitalOfficer, Organisation, Person, User
from contacts.services import user_totp_enrol
from core import events
from core.audiences import SYSTEM_ACTOR
from core.dates import today
from discussions.demo import seed_discussions
from documents.demo import seed_documents
from identity.demo import seed_claim_rules
from meetings.demo import seed_meetings
from notifications.demo import DEMO_DIGEST_MINUTES, DEMO_DIGEST_TASK, seed_demo_digest
from opendata.demo import seed_open_data
from projects.demo import seed_projects
from projects.models import Project
from spaces.models import Membership, Space
from spaces.services import membership_create
from strategy.demo import seed_strategy

# (email, first, last, function, authority code or None, organisation or None)
DEMO_ACCOUNTS = [
    ("itd@example.org", "Ina", "Thiessen", "Referentin Digitalstrategie", "ITD", None),
    (
        "koordination@example.org",
        "Karsten",
        "Oldenburg",
        "Koordination Mobilität & Energie",
        "BVM",
        None,
    ),
    ("dv.bvm@example.org", "Dana", "Vogt", "Digitalisierungsverantwortliche", "BVM", None),
    ("mitglied@example.org", "Malte", "Iversen", "Referent Energiewende digital", "BUKEA", None),
    (
        "gast@example.org",
        "Greta",
        "Asmussen",
        "Wissenschaftliche Mitarbeiterin",
        None,
        "HafenCity Universität Hamburg",
    ),
    ("staff@example.org", "Stefan", "Thode", "Sachbearbeiter Haushalt", "FB", None),
]

# Principal digitalisation officers of the other authorities (code -> first, last).
OFFICERS = {
    "ITD": ("Jan", "Petersen"),
    "SK": ("Wiebke", "Carstens"),
    "BIS": ("Henning", "Brandt"),
    "BJV": ("Sabine", "Lorenzen"),
    "FB": ("Ole", "Hansen"),
    "BSB": ("Birte", "Jensen"),
    "BWFGB": ("Claas", "Mahnke"),
    "BKM": ("Frauke", "Dreyer"),
    "SOZ": ("Arne", "Behrens"),
    "BSW": ("Nele", "Schröder"),
    "BUKEA": ("Lars", "Kröger"),
    "BWI": ("Merle", "Hinrichs"),
    "BA-MITTE": ("Torben", "Wulff"),
    "BA-ALTONA": ("Imke", "Paulsen"),
    "BA-EIMSBUETTEL": ("Hauke", "Martens"),
    "BA-NORD": ("Kirsten", "Lange"),
    "BA-WANDSBEK": ("Jörn", "Rickert"),
    "BA-BERGEDORF": ("Anke", "Timm"),
    "BA-HARBURG": ("Bent", "Clausen"),
}
DEPUTIES = {"BVM": ("Finn", "Albers"), "BSB": ("Tjark", "Meyer"), "SOZ": ("Lena", "Voss")}

# Space -> (coordinator's authority, member authorities). Coordinators are the officers of the
# lead authority unless a demo account coordinates the space.
SPACES = {
    "urbanes-leben": ("BSW", ["BA-ALTONA", "BA-HARBURG", "BUKEA", "BWI"]),
    "mobilitaet-energie": ("BVM", ["BVM", "BUKEA", "BA-NORD", "BWI"]),
    "wirtschaft-arbeitswelten": ("BWI", ["FB", "BA-MITTE", "BWFGB"]),
    "sicherheit-rechtswesen": ("BIS", ["BJV", "BA-WANDSBEK", "SK"]),
    "wissen-bildung": ("BSB", ["BWFGB", "BA-EIMSBUETTEL", "BKM"]),
    "gesundheit-soziales": ("SOZ", ["BA-BERGEDORF", "BA-MITTE", "BIS"]),
    "kultur-sport-freizeit": ("BKM", ["BIS", "BA-ALTONA", "BSB"]),
}


def _ascii(text: str) -> str:
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
    )
    return text.translate(table).lower()


class Command(BaseCommand):
    help = "Create demo accounts, officers and memberships (only with DEBUG on). Runs twice safely."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a known password and runs only with DEBUG=true."
            )
        # Demo data is not news: nobody is notified of it (core.events.quiet).
        with transaction.atomic(), events.quiet():
            self.password = settings.DEMO_PASSWORD
            # Hashed once for every demo account: the hasher's cost is meant for attackers, and
            # thirty accounts at half a second each made `make run` wait for a quarter minute.
            self.password_hash = make_password(self.password)
            self.authorities = {a.code: a for a in Authority.objects.all()}
            self.seed_people()
            self.seed_memberships()
            # About 40 projects with budget lines in full costs (projects/demo.py).
            seed_projects()
            # Goals, measures and indicators in every space, a frozen and an open reporting
            # round (strategy/demo.py).
            seed_strategy(itd=self.people["itd@example.org"].user)
            # Open data: the public projects, the programme budget, the frozen round
            # (opendata/demo.py).
            seed_open_data(itd=self.people["itd@example.org"].user)
            # Which groups of the staff account (`make idp`) give which roles (identity/demo.py).
            seed_claim_rules()
            # A few meetings with invitees and answers in two spaces (meetings/demo.py).
            seed_meetings()
            # A few threads with replies in two spaces and on one project (discussions/demo.py).
            seed_discussions()
            self.seed_documents()
        # Outside the quiet block: the notices the demo digest sends within minutes.
        seed_demo_digest()
        self.print_accounts()

    def seed_documents(self) -> None:
        """A few small documents in two spaces and on one project (documents/demo.py)."""
        spaces = [
            Space.objects.get(slug="mobilitaet-energie"),
            Space.objects.get(slug="wissen-bildung"),
        ]
        project = (
            (Project.objects.filter(primary_space=spaces[0]).exclude(visibility="restricted"))
            .order_by("pk")
            .first()
        )
        seed_documents(spaces=spaces, project=project, by=self.people["itd@example.org"].user)

    def person(
        self,
        email: str,
        first: str,
        last: str,
        function: str,
        code: str | None = None,
        organisation: str | None = None,
        flags: dict[str, bool] | None = None,
    ) -> Person:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, first_name=first, last_name=last, **(flags or {}))
            user.password = self.password_hash
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        org = None
        if organisation:
            org, _ = Organisation.objects.get_or_create(
                name=organisation, defaults={"kind": Organisation.Kind.UNIVERSITY}
            )
        person, _ = Person.objects.get_or_create(
            user=user,
            defaults={
                "function": function,
                "phone": f"+49 40 428 {zlib.crc32(email.encode()) % 90 + 10:02d} {len(email):02d}0",
                "authority": self.authorities.get(code) if code else None,
                "organisation": org,
                "email_visible_to_guests": code is not None and len(last) % 2 == 0,
            },
        )
        return person

    def officer(self, person: Person, code: str, role: str) -> None:
        authority = self.authorities[code]
        if not DigitalOfficer.objects.filter(
            person=person, authority=authority, until__isnull=True
        ).exists():
            DigitalOfficer.objects.create(
                person=person, authority=authority, role=role, since=dt.date(2020, 6, 1)
            )

    def seed_people(self) -> None:
        self.people: dict[str, Person] = {}
        for email, first, last, function, code, org in DEMO_ACCOUNTS:
            flags = {}
            if email == "itd@example.org":
                flags = {"is_itd_staff": True, "is_staff": True, "is_superuser": True}
            self.people[email] = self.person(email, first, last, function, code, org, flags)
        # The demo ITD account and the demo officer sign in with a second factor (required for
        # ITD staff, coordinators and officers): an authenticator app set up with
        # DEMO_TOTP_SECRET. The demo coordinator is not enrolled, so the enforced enrolment can
        # be seen.
        for email in ("itd@example.org", "dv.bvm@example.org"):
            user_totp_enrol(user=self.people[email].user, secret=settings.DEMO_TOTP_SECRET)
        self.officer(self.people["dv.bvm@example.org"], "BVM", DigitalOfficer.Role.PRINCIPAL)
        self.officers: dict[str, Person] = {"BVM": self.people["dv.bvm@example.org"]}
        for code, (first, last) in OFFICERS.items():
            email = f"{_ascii(first)}.{_ascii(last)}@example.org"
            flags = {"is_itd_staff": True} if code == "ITD" else {}
            person = self.person(
                email, first, last, "Digitalisierungsverantwortliche/r", code, flags=flags
            )
            self.officer(person, code, DigitalOfficer.Role.PRINCIPAL)
            self.officers[code] = person
        for code, (first, last) in DEPUTIES.items():
            email = f"{_ascii(first)}.{_ascii(last)}@example.org"
            person = self.person(
                email, first, last, "Stellv. Digitalisierungsverantwortliche/r", code
            )
            self.officer(person, code, DigitalOfficer.Role.DEPUTY)

    def member(self, space: Space, person: Person, role: str, until: dt.date | None = None) -> None:
        if Membership.objects.open().filter(space=space, person=person).exists():
            return
        membership_create(
            actor=SYSTEM_ACTOR,
            space=space,
            person=person,
            role=role,
            since=dt.date(2024, 1, 15),
            until=until,
        )

    def seed_memberships(self) -> None:
        spaces = {s.slug: s for s in Space.objects.all()}
        for slug, (lead, members) in SPACES.items():
            space = spaces[slug]
            coordinator = (
                self.people["koordination@example.org"]
                if slug == "mobilitaet-energie"
                else self.officers[lead]
            )
            self.member(space, coordinator, Membership.Role.COORDINATOR)
            for code in members:
                self.member(space, self.officers[code], Membership.Role.MEMBER)
        self.member(
            spaces["mobilitaet-energie"],
            self.people["mitglied@example.org"],
            Membership.Role.MEMBER,
        )
        self.member(
            spaces["wissen-bildung"],
            self.people["gast@example.org"],
            Membership.Role.GUEST,
            until=today() + dt.timedelta(days=90),
        )
        # A guest of Mobilität & Energie whose access ends within two weeks: the coordinator's
        # dashboard names it under "what needs attention first".
        ending = self.person(
            "gast.verkehr@example.org",
            "Jonas",
            "Harms",
            "Projektleiter Verkehrsdaten",
            organisation="Technische Universität Hamburg",
        )
        self.member(
            spaces["mobilitaet-energie"],
            ending,
            Membership.Role.GUEST,
            until=today() + dt.timedelta(days=10),
        )

    def print_accounts(self) -> None:
        portal = settings.PORTAL_BASE_URL.rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Sign in at {portal}/accounts/login/")
        )
        self.stdout.write(f"Password for every demo account: {self.password}  (DEMO_PASSWORD)")
        self.stdout.write(
            "itd@example.org and dv.bvm@example.org also need a code from an authenticator app "
            f"set up with the secret {settings.DEMO_TOTP_SECRET}  (DEMO_TOTP_SECRET),"
        )
        self.stdout.write(
            f"  e.g. `oathtool --totp -b {settings.DEMO_TOTP_SECRET}`. koordination@example.org "
            "is led to set one up at its first sign-in (required for coordinators)."
        )
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(
                "Without a broker background jobs run in-process (inside the request)."
            )
        else:
            self.stdout.write(
                f"Background jobs: a Celery worker and beat over {settings.CELERY_BROKER_URL} "
                f"(messages in {settings.CELERY_FILESYSTEM_DIR})."
            )
        if settings.EMAIL_BACKEND == "core.mail.LocalMailBackend":
            self.stdout.write(
                f"E-mails: printed to this console and saved, one .eml each, in "
                f"{settings.EMAIL_FILE_PATH}"
            )
        self.stdout.write(
            f'Digest: "{DEMO_DIGEST_TASK}" sends the daily digest every {DEMO_DIGEST_MINUTES} '
            "minutes (to koordination@, mitglied@, dv.bvm@ ... of the notices waiting for it); "
            "ITD changes the times in /admin/ (Periodic tasks)."
        )
        rows = [
            ("itd@example.org", "ITD staff (Amt für IT und Digitalisierung)"),
            ("koordination@example.org", "coordinator of Mobilität & Energie"),
            (
                "dv.bvm@example.org",
                "digitalisation officer BVM, member of Mobilität & Energie; "
                "reports due in the open reporting round",
            ),
            ("mitglied@example.org", "member of Mobilität & Energie for BUKEA"),
            ("gast@example.org", "guest of Wissen & Bildung (HafenCity Universität), 90 days"),
            ("staff@example.org", "administration staff (Finanzbehörde), no membership"),
        ]
        for email, role in rows:
            self.stdout.write(f"  {email:<28} {role}")
        self.stdout.write(
            "Staff account (single sign-on): run `make idp` in a second terminal, then "
            '"Mit dem Dienstkonto der FHH anmelden" on the sign-in page; e.g. '
            "anna.schmidt@hamburg.de (ITD) or tim.wolf@hamburg.de (member, no second factor), "
            "password Hamburg-SSO-2026! (docs/single-sign-on.md)."
        )
