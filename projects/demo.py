"""Demo projects for `seed_demo`: about 40 projects in the seven spaces with budgets in full costs.

Deterministic and idempotent: rows are matched by slug (projects), by their unique key (lines,
rates) or by title (milestones), so running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from contacts.models import Authority, Organisation, Person
from core.dates import today
from spaces.models import Space

from .models import (
    BudgetLine,
    CostCategory,
    CostRate,
    FiscalYear,
    FundingSource,
    Milestone,
    Project,
    ProjectGuest,
    ProjectLink,
    personnel_amount,
)

YEARS = (2025, 2026, 2027)
RATES = {"E 9b": 78_400, "E 11": 86_900, "E 13": 98_300, "E 14": 106_200, "A 13": 101_500}

# (space, slug, title, lead authority, summary)
PROJECTS = [
    (
        "urbanes-leben",
        "digitaler-bauantrag",
        "Digitaler Bauantrag",
        "BSW",
        "Bauanträge vollständig online stellen, prüfen und bescheiden.",
    ),
    (
        "urbanes-leben",
        "urbane-datenplattform",
        "Urbane Datenplattform Stadtplanung",
        "BSW",
        "Planungsdaten der Stadt an einem Ort, offen und maschinenlesbar.",
    ),
    (
        "urbanes-leben",
        "digitaler-zwilling-altona",
        "Digitaler Zwilling Altona",
        "BA-ALTONA",
        "Ein 3D-Stadtmodell des Bezirks für Planung und Beteiligung.",
    ),
    (
        "urbanes-leben",
        "dipas-beteiligung",
        "Online-Beteiligung DIPAS",
        "BSW",
        "Bürgerinnen und Bürger planen digital mit.",
    ),
    (
        "urbanes-leben",
        "baumkataster-mobil",
        "Baumkataster mobil",
        "BUKEA",
        "Baumkontrollen mit dem Tablet statt auf Papier.",
    ),
    (
        "urbanes-leben",
        "leerstandsmelder-gewerbe",
        "Leerstandsmelder Gewerbe",
        "BWI",
        "Freie Gewerbeflächen sichtbar machen.",
    ),
    (
        "mobilitaet-energie",
        "parkraummanagement",
        "Digitales Parkraummanagement",
        "BVM",
        "Parken bezahlen, kontrollieren und planen mit einer Plattform.",
    ),
    (
        "mobilitaet-energie",
        "intelligente-ampeln",
        "Intelligente Lichtsignalanlagen",
        "BVM",
        "Ampeln, die Busse, Rad- und Fußverkehr erkennen.",
    ),
    (
        "mobilitaet-energie",
        "ladeinfrastruktur-kataster",
        "Ladeinfrastruktur-Kataster",
        "BVM",
        "Wo laden E-Autos heute und wo morgen?",
    ),
    (
        "mobilitaet-energie",
        "waermekataster",
        "Wärmekataster Hamburg",
        "BUKEA",
        "Grundlage der kommunalen Wärmeplanung.",
    ),
    (
        "mobilitaet-energie",
        "baustellenkoordination",
        "Baustellenkoordination digital",
        "BVM",
        "Baustellen stadtweit abstimmen, bevor sie entstehen.",
    ),
    (
        "mobilitaet-energie",
        "mobilitaetsdaten-hub",
        "Mobilitätsdaten-Hub",
        "BVM",
        "Verkehrsdaten in Echtzeit für Verwaltung und Wirtschaft.",
    ),
    (
        "wirtschaft-arbeitswelten",
        "unternehmensportal",
        "Unternehmensportal Hamburg Service",
        "BWI",
        "Ein Konto für alle Verwaltungsleistungen an Unternehmen.",
    ),
    (
        "wirtschaft-arbeitswelten",
        "e-rechnung",
        "E-Rechnung in der Verwaltung",
        "FB",
        "Rechnungen elektronisch empfangen und buchen.",
    ),
    (
        "wirtschaft-arbeitswelten",
        "gewerbeanmeldung-online",
        "Digitale Gewerbeanmeldung",
        "BA-MITTE",
        "Gewerbe an-, um- und abmelden ohne Termin.",
    ),
    (
        "wirtschaft-arbeitswelten",
        "hafen-datenraum",
        "Hafen-Datenraum",
        "BWI",
        "Logistikdaten des Hafens sicher teilen.",
    ),
    (
        "wirtschaft-arbeitswelten",
        "fachkraefteportal",
        "Fachkräfteportal",
        "BWFGB",
        "Anerkennung ausländischer Abschlüsse digital begleiten.",
    ),
    (
        "wirtschaft-arbeitswelten",
        "foerderlotse",
        "Förderlotse digital",
        "BWI",
        "Passende Förderprogramme in wenigen Schritten finden.",
    ),
    (
        "sicherheit-rechtswesen",
        "e-akte-justiz",
        "E-Akte Justiz",
        "BJV",
        "Die elektronische Akte in allen Gerichten.",
    ),
    (
        "sicherheit-rechtswesen",
        "einsatzdokumentation",
        "Digitale Einsatzdokumentation",
        "BIS",
        "Einsätze der Feuerwehr mobil dokumentieren.",
    ),
    (
        "sicherheit-rechtswesen",
        "online-wache",
        "Online-Wache",
        "BIS",
        "Anzeigen und Hinweise rund um die Uhr online.",
    ),
    (
        "sicherheit-rechtswesen",
        "digitales-fundbuero",
        "Digitales Fundbüro",
        "BA-WANDSBEK",
        "Fundsachen online melden und finden.",
    ),
    (
        "sicherheit-rechtswesen",
        "lagebild-krisenstab",
        "Lagebild Krisenstab",
        "BIS",
        "Ein gemeinsames digitales Lagebild für Krisenlagen.",
    ),
    (
        "sicherheit-rechtswesen",
        "mahnverfahren-schnittstelle",
        "Schnittstelle Mahnverfahren",
        "BJV",
        "Automatisierte Übergabe an das zentrale Mahngericht.",
    ),
    (
        "wissen-bildung",
        "digitale-schultasche",
        "Digitale Schultasche",
        "BSB",
        "Lernmittel und Geräte für alle Schülerinnen und Schüler.",
    ),
    (
        "wissen-bildung",
        "schulverwaltung-nachfolge",
        "Schulverwaltung: Nachfolgesystem",
        "BSB",
        "Ablösung der Schulverwaltungssoftware.",
    ),
    (
        "wissen-bildung",
        "open-access-repositorium",
        "Open-Access-Repositorium",
        "BWFGB",
        "Forschung der Hamburger Hochschulen frei zugänglich.",
    ),
    (
        "wissen-bildung",
        "digitale-buecherhallen",
        "Digitale Bücherhallen",
        "BKM",
        "E-Medien und Veranstaltungen der Bücherhallen online.",
    ),
    (
        "wissen-bildung",
        "lernplattform",
        "Lernplattform Hamburg",
        "BSB",
        "Eine Lernplattform für alle Schulen.",
    ),
    (
        "wissen-bildung",
        "ki-reallabor",
        "KI-Reallabor Verwaltung",
        "BWFGB",
        "Künstliche Intelligenz in der Verwaltung erproben, mit der Wissenschaft.",
    ),
    (
        "gesundheit-soziales",
        "elterngeld-digital",
        "Elterngeld digital",
        "SOZ",
        "Elterngeld ohne Papier beantragen.",
    ),
    (
        "gesundheit-soziales",
        "pflegeplatzboerse",
        "Pflegeplatzbörse",
        "SOZ",
        "Freie Pflegeplätze tagesaktuell finden.",
    ),
    (
        "gesundheit-soziales",
        "gesundheitsamt-digital",
        "Gesundheitsamt digital",
        "SOZ",
        "Meldewesen und Fachverfahren der Gesundheitsämter modernisieren.",
    ),
    (
        "gesundheit-soziales",
        "wohngeld-online",
        "Wohngeld online",
        "BA-BERGEDORF",
        "Wohngeld digital beantragen und bescheiden.",
    ),
    (
        "gesundheit-soziales",
        "eingliederungshilfe",
        "Digitale Eingliederungshilfe",
        "SOZ",
        "Teilhabeleistungen aus einer Hand.",
    ),
    (
        "kultur-sport-freizeit",
        "sportstaettenbuchung",
        "Sportstättenbuchung online",
        "BIS",
        "Hallen und Plätze für Vereine online buchen.",
    ),
    (
        "kultur-sport-freizeit",
        "kulturportal",
        "Kulturportal Hamburg",
        "BKM",
        "Das Kulturangebot der Stadt an einem Ort.",
    ),
    (
        "kultur-sport-freizeit",
        "museumsarchiv-digital",
        "Digitales Museumsarchiv",
        "BKM",
        "Sammlungen digitalisieren und online zeigen.",
    ),
    (
        "kultur-sport-freizeit",
        "freibadticket",
        "Freibadticket digital",
        "BA-ALTONA",
        "Tickets für Frei- und Hallenbäder online.",
    ),
    (
        "kultur-sport-freizeit",
        "vereinsfoerderung",
        "Vereinsförderung digital",
        "BKM",
        "Förderanträge von Vereinen digital stellen und prüfen.",
    ),
]

OVER_BUDGET = {"intelligente-ampeln", "e-akte-justiz", "schulverwaltung-nachfolge", "kulturportal"}
OVERDUE = {
    "intelligente-ampeln",
    "mobilitaetsdaten-hub",
    "e-akte-justiz",
    "lernplattform",
    "gesundheitsamt-digital",
    "digitaler-bauantrag",
}
RESTRICTED = {"lagebild-krisenstab", "mobilitaetsdaten-hub", "ki-reallabor", "hafen-datenraum"}
INTERNAL = {
    "schulverwaltung-nachfolge",
    "e-rechnung",
    "gesundheitsamt-digital",
    "mahnverfahren-schnittstelle",
    "baustellenkoordination",
    "eingliederungshilfe",
    "waermekataster",
    "einsatzdokumentation",
    "museumsarchiv-digital",
    "foerderlotse",
    "pflegeplatzboerse",
}
STATUSES = ["in_progress"] * 5 + ["planned"] * 2 + ["completed", "on_hold", "idea"]
MILESTONES = ["Konzept abgestimmt", "Pilot gestartet", "Rollout abgeschlossen"]
CENT = Decimal("0.01")


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def seed_projects(*, guest_email: str = "gast@example.org") -> int:
    """Create the demo portfolio; returns how many projects were created now."""
    with transaction.atomic():
        return _seed(guest_email)


def _years_and_rates() -> tuple[dict, dict]:
    """The demo's fiscal years (2025 closed) and cost rates, 3 % more each year."""
    years = {y.year: y for y in FiscalYear.objects.filter(year__in=YEARS)}
    for year in YEARS:
        if year not in years:
            years[year] = FiscalYear.objects.create(year=year)
    if not years[2025].closed:
        years[2025].closed = True
        years[2025].save(update_fields=["closed"])
    rates = {}
    for year in YEARS:
        for grade, base in RATES.items():
            amount = _money(base * (1.03 ** (year - 2025)))
            rates[(year, grade)], _ = CostRate.objects.get_or_create(
                fiscal_year=years[year], pay_grade=grade, defaults={"annual_full_cost": amount}
            )
    return years, rates


def _health(slug: str) -> tuple[str, str]:
    if slug in OVER_BUDGET:
        return "red", "Mehrkosten durch Nachforderungen des Dienstleisters."
    if slug in OVERDUE:
        return "amber", "Verzug im Vergabeverfahren; Meilensteine verschieben sich."
    return "green", ""


def _seed(guest_email: str) -> int:
    spaces = {s.slug: s for s in Space.objects.all()}
    authorities = {a.code: a for a in Authority.objects.all()}
    years, rates = _years_and_rates()
    categories = {c.code: c for c in CostCategory.objects.all()}
    sources = {s.code: s for s in FundingSource.objects.all()}
    university = Organisation.objects.filter(kind=Organisation.Kind.UNIVERSITY).first()
    created = 0
    for index, (space_slug, slug, title, lead, summary) in enumerate(PROJECTS):
        rng = random.Random(zlib.crc32(slug.encode()))  # noqa: S311 - demo data, not security
        start = dt.date(2024 + index % 2, 1 + rng.randrange(6), 1)
        end = dt.date(2027 + (index % 3 == 0), 12, 31)
        status = STATUSES[index % len(STATUSES)]
        health, reason = _health(slug)
        visibility = (
            "restricted" if slug in RESTRICTED else "internal" if slug in INTERNAL else "public"
        )
        project, was_created = Project.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "summary": summary,
                "description": summary
                + " Das Vorhaben ist Teil der Digitalstrategie für Hamburg und wird im Raum "
                f"{spaces[space_slug].name_de} abgestimmt.",
                "primary_space": spaces[space_slug],
                "lead_authority": authorities[lead],
                "status": status,
                "status_changed_on": dt.date(2025, 1 + index % 12, 1),
                "health": health,
                "health_reason": reason,
                "start": start,
                "end": end,
                "visibility": visibility,
            },
        )
        if not was_created:
            continue
        created += 1
        other = [s for s in spaces.values() if s.slug != space_slug]
        if index % 4 == 0:
            project.spaces.add(other[index % len(other)])
        partners = [a for code, a in authorities.items() if code in ("FB", "SK", "ITD")]
        project.participating_authorities.add(partners[index % len(partners)])
        if university is not None and index % 5 == 0:
            project.partner_organisations.add(university)
        officer = Person.objects.filter(
            officer_roles__authority=authorities[lead], officer_roles__until__isnull=True
        ).first()
        if officer is not None:
            project.contact_persons.add(officer)
        ProjectLink.objects.get_or_create(
            project=project,
            title="Informationen auf hamburg.de",
            defaults={"url": f"https://www.hamburg.de/digitalstrategie/{slug}/"},
        )
        _milestones(project, slug, rng)
        _lines(project, slug, rng, years, rates, categories, sources, index)
    _guest(guest_email)
    return created


def _milestones(project: Project, slug: str, rng: random.Random) -> None:
    on = today()
    for i, title in enumerate(MILESTONES):
        due = project.start + dt.timedelta(days=200 + i * 330 + rng.randrange(60))
        done = None
        if due < on and not (slug in OVERDUE and i == 1):
            done = due + dt.timedelta(days=rng.randrange(-10, 30))
        if slug in OVERDUE and i == 1 and due >= on:
            due = on - dt.timedelta(days=20 + rng.randrange(60))
        Milestone.objects.get_or_create(
            project=project, title=title, defaults={"due": due, "done": done}
        )


def _lines(project, slug, rng, years, rates, categories, sources, index) -> None:
    grade = ("E 11", "E 13", "E 14")[index % 3]
    for year in YEARS:
        if not (project.start.year <= year <= project.end.year):
            continue
        fiscal_year = years[year]
        progress = {2025: 1.0, 2026: 0.7, 2027: 0.0}[year]
        rate = rates[(year, grade)]
        fte = Decimal(("0.5", "1.00", "1.50")[rng.randrange(3)])
        months = 12
        personnel = personnel_amount(fte=fte, months=months, annual_full_cost=rate.annual_full_cost)
        rows = [
            ("personal", "eigen", personnel, {"fte": fte, "pay_grade": grade, "months": months}),
            ("it-dl", "itd", _money(rng.randrange(5, 20) * 1000), {}),
            ("sach", "eigen", _money(rng.randrange(5, 40) * 500), {}),
        ]
        if index % 6 == 0:
            rows.append(("invest", "bund", _money(rng.randrange(20, 80) * 1000), {}))
        if index % 9 == 0:
            rows.append(("sach", "eu", _money(rng.randrange(10, 30) * 1000), {}))
        if year >= 2026:
            rows.append(("gemein", "eigen", _money(float(personnel) * 0.05), {}))
        for category, source, planned, personnel_basis in rows:
            revised = planned if year == 2025 else _money(float(planned) * rng.uniform(0.95, 1.1))
            actual = _money(float(revised) * (progress * rng.uniform(0.85, 1.0)))
            committed = _money(
                float(revised) * (0.15 if year == 2026 else 0.05 if year == 2027 else 0)
            )
            if slug in OVER_BUDGET and year == 2026:
                actual = _money(float(revised) * 1.08)
            if slug == "kulturportal" and year == 2027:
                committed = _money(float(revised) * 1.2)
            if personnel_basis:
                revised = planned
            BudgetLine.objects.get_or_create(
                project=project,
                fiscal_year=fiscal_year,
                category=categories[category],
                funding_source=sources[source],
                description="",  # the demo has one line per key; one added by hand may share it
                defaults={
                    "einzelplan": "1.2",
                    "aufgabenbereich": "256",
                    "produktgruppe": f"256.{index % 9 + 1:02d}",
                    "planned": planned,
                    "revised": revised,
                    "committed": committed,
                    "actual": actual,
                    "cost_rate": rate if personnel_basis else None,
                    "note": "Vollkosten laut Kostensatztabelle" if personnel_basis else "",
                    **personnel_basis,
                },
            )


def _guest(email: str) -> None:
    """The demo guest is invited to one restricted project outside their space."""
    person = Person.objects.filter(user__email=email).first()
    project = Project.objects.filter(slug="hafen-datenraum").first()
    if person is None or project is None:
        return
    if not ProjectGuest.objects.filter(
        project=project, person=person, ended_at__isnull=True
    ).exists():
        ProjectGuest.objects.create(
            project=project,
            person=person,
            until=today() + dt.timedelta(days=90),
        )
