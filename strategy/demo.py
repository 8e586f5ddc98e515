"""Demo strategy for `make run` (seed_demo): goals, measures and indicators in all seven spaces,
a frozen reporting round (the last complete half-year) and an open one (the current half-year).

The tree and the reports go through the services with the actors of the pages (ITD writes the
tree, opens, reviews and freezes; the lead authority's officer writes each report), so the demo
passes the same validation as real input; seed_demo's `core.events.quiet()` keeps their notices
back (demo data is not news).

Dates follow `core.dates.today()`, so the demo stays valid in later years: values lie at
half-year ends from two years before the frozen round, the frozen round's values at its end,
the open round's a week ago. Each indicator follows a profile (ahead of its path, a little
behind, far behind) so every status of strategy.progress shows. Runs twice safely: nothing is
written when goals exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from contacts.models import Authority, DigitalOfficer, Person, User
from core.dates import today
from projects.models import Project
from spaces.models import Membership, Space

from . import progress, services
from .models import Direction, Goal, Indicator, Measure, Rating, Round, Submission


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    unit: str
    direction: str
    baseline: int
    target: int
    # "on": ahead of its path; "risk": a little behind; "off": far behind (strategy.progress).
    profile: str
    source: str


@dataclass(frozen=True)
class MeasureSpec:
    title: str
    lead: str
    projects: tuple[str, ...]
    description: str
    indicator: IndicatorSpec


@dataclass(frozen=True)
class GoalSpec:
    title: str
    description: str
    measures: tuple[MeasureSpec, ...]
    indicator: IndicatorSpec | None = None


UP, DOWN = Direction.UP.value, Direction.DOWN.value

PREFIXES = {
    "urbanes-leben": "UL",
    "mobilitaet-energie": "ME",
    "wirtschaft-arbeitswelten": "WA",
    "sicherheit-rechtswesen": "SR",
    "wissen-bildung": "WB",
    "gesundheit-soziales": "GS",
    "kultur-sport-freizeit": "KS",
}

STRATEGY: dict[str, tuple[GoalSpec, ...]] = {
    "urbanes-leben": (
        GoalSpec(
            "Planen und Genehmigen ohne Papier",
            "Bauanträge, Planverfahren und Stellungnahmen laufen digital und ohne Medienbruch "
            "zwischen Antragstellenden, Bezirken und Fachbehörden.",
            (
                MeasureSpec(
                    "Digitalen Bauantrag in allen Bezirken einführen",
                    "BSW",
                    ("digitaler-bauantrag",),
                    "Alle Bauprüfabteilungen arbeiten im selben Fachverfahren; Unterlagen werden "
                    "einmal hochgeladen und von allen Beteiligten gelesen.",
                    IndicatorSpec(
                        "Anteil digital eingereichter Bauanträge",
                        "%",
                        UP,
                        18,
                        95,
                        "on",
                        "Fachverfahren Bauantrag",
                    ),
                ),
                MeasureSpec(
                    "Bebauungspläne digital beteiligen",
                    "BA-HARBURG",
                    ("dipas-beteiligung",),
                    "Jedes Bebauungsplanverfahren des Bezirks bietet eine Online-Beteiligung "
                    "mit DIPAS an.",
                    IndicatorSpec(
                        "Bebauungsplanverfahren mit Online-Beteiligung",
                        "Anzahl",
                        UP,
                        4,
                        60,
                        "off",
                        "Bezirksamt Harburg, Fachamt Stadt- und Landschaftsplanung",
                    ),
                ),
            ),
            IndicatorSpec(
                "Dauer eines Baugenehmigungsverfahrens (Median)",
                "Tage",
                DOWN,
                118,
                75,
                "risk",
                "Fachverfahren Bauantrag",
            ),
        ),
        GoalSpec(
            "Die Stadt als digitaler Zwilling",
            "Ein gemeinsames 3D-Stadtmodell und offene Planungsdaten machen Vorhaben "
            "verständlich und vergleichbar.",
            (
                MeasureSpec(
                    "Urbane Datenplattform für Planungsdaten ausbauen",
                    "BSW",
                    ("urbane-datenplattform",),
                    "Planungsdaten der Fachbehörden und Bezirke werden offen und "
                    "maschinenlesbar bereitgestellt.",
                    IndicatorSpec(
                        "Offen bereitgestellte Planungsdatensätze",
                        "Anzahl",
                        UP,
                        140,
                        400,
                        "on",
                        "Urbane Datenplattform",
                    ),
                ),
                MeasureSpec(
                    "Digitaler Zwilling Altona als Vorbild für alle Bezirke",
                    "BA-ALTONA",
                    ("digitaler-zwilling-altona",),
                    "Das 3D-Modell des Bezirks wird vollständig und dient als Muster für die "
                    "anderen Bezirke.",
                    IndicatorSpec(
                        "Fläche des Bezirks im 3D-Modell",
                        "%",
                        UP,
                        10,
                        100,
                        "risk",
                        "Bezirksamt Altona",
                    ),
                ),
                MeasureSpec(
                    "Baumkontrollen mobil erfassen",
                    "BUKEA",
                    ("baumkataster-mobil",),
                    "Baumkontrolleurinnen und -kontrolleure erfassen mit dem Tablet direkt im "
                    "Baumkataster.",
                    IndicatorSpec(
                        "Baumkontrollen mit mobiler Erfassung",
                        "%",
                        UP,
                        25,
                        100,
                        "on",
                        "BUKEA, Baumkataster",
                    ),
                ),
            ),
        ),
        GoalSpec(
            "Lebendige Quartiere",
            "Leerstand und freie Flächen werden früh sichtbar, damit Quartiere lebendig bleiben.",
            (
                MeasureSpec(
                    "Leerstandsmelder für Gewerbeflächen",
                    "BWI",
                    ("leerstandsmelder-gewerbe",),
                    "Eigentümerinnen, Eigentümer und Bezirke melden freie Gewerbeflächen an "
                    "einer Stelle; Interessierte finden sie schneller.",
                    IndicatorSpec(
                        "Dauer bis zur Wiedervermietung gemeldeter Flächen",
                        "Tage",
                        DOWN,
                        210,
                        120,
                        "off",
                        "Leerstandsmelder",
                    ),
                ),
            ),
        ),
    ),
    "mobilitaet-energie": (
        GoalSpec(
            "Verkehr datenbasiert steuern",
            "Verkehrsdaten in Echtzeit helfen, Busse, Rad- und Fußverkehr zu bevorzugen und "
            "Staus zu vermeiden.",
            (
                MeasureSpec(
                    "Lichtsignalanlagen vernetzen und Busse bevorrechtigen",
                    "BVM",
                    ("intelligente-ampeln", "mobilitaetsdaten-hub"),
                    "Ampeln erkennen Busse, Rad- und Fußverkehr und melden ihren Zustand an den "
                    "Mobilitätsdaten-Hub.",
                    IndicatorSpec(
                        "Vernetzte Lichtsignalanlagen",
                        "Anzahl",
                        UP,
                        120,
                        800,
                        "off",
                        "Landesbetrieb Straßen, Brücken und Gewässer",
                    ),
                ),
                MeasureSpec(
                    "Bewohnerparken digital beantragen und kontrollieren",
                    "BA-NORD",
                    ("parkraummanagement",),
                    "Bewohnerparkausweise werden online beantragt und digital kontrolliert, "
                    "ohne Papierausweis hinter der Scheibe.",
                    IndicatorSpec(
                        "Digital ausgestellte Bewohnerparkausweise",
                        "%",
                        UP,
                        35,
                        95,
                        "on",
                        "Bezirksamt Hamburg-Nord",
                    ),
                ),
            ),
            IndicatorSpec(
                "Pünktlichkeit der Busse an ausgerüsteten Knoten",
                "%",
                UP,
                81,
                92,
                "risk",
                "Hamburger Hochbahn AG",
            ),
        ),
        GoalSpec(
            "Energiewende digital planen",
            "Wärmeplanung und Ladeinfrastruktur stützen sich auf gemeinsame, aktuelle Daten.",
            (
                MeasureSpec(
                    "Wärmekataster für die kommunale Wärmeplanung",
                    "BUKEA",
                    ("waermekataster",),
                    "Der Wärmebedarf jedes Gebäudes wird erfasst und für die Wärmeplanung "
                    "der Bezirke bereitgestellt.",
                    IndicatorSpec(
                        "Gebäude mit erfasstem Wärmebedarf",
                        "%",
                        UP,
                        40,
                        100,
                        "on",
                        "BUKEA, Wärmekataster",
                    ),
                ),
                MeasureSpec(
                    "Ladeinfrastruktur vorausschauend planen",
                    "BVM",
                    ("ladeinfrastruktur-kataster",),
                    "Ein Kataster zeigt, wo heute geladen wird und wo Ladepunkte fehlen.",
                    IndicatorSpec(
                        "Öffentliche Ladepunkte im Kataster",
                        "Anzahl",
                        UP,
                        1400,
                        6000,
                        "risk",
                        "Stromnetz Hamburg",
                    ),
                ),
            ),
        ),
        GoalSpec(
            "Baustellen stadtweit koordinieren",
            "Baustellen werden früh abgestimmt, damit Straßen seltener und kürzer gesperrt sind.",
            (
                MeasureSpec(
                    "Baustellenanmeldung digital abstimmen",
                    "BVM",
                    ("baustellenkoordination",),
                    "Leitungsträger, Bezirke und Landesbetriebe melden Baustellen in einem "
                    "Verfahren an und stimmen sie dort ab.",
                    IndicatorSpec(
                        "Dauer der Abstimmung einer Baustellenanmeldung",
                        "Tage",
                        DOWN,
                        42,
                        14,
                        "on",
                        "Koordinierungsstelle Baustellen",
                    ),
                ),
                MeasureSpec(
                    "Anwohnende online über Baustellen informieren",
                    "BA-NORD",
                    (),
                    "Jede größere Baustelle im Bezirk erscheint mit Dauer und Umleitung online.",
                    IndicatorSpec(
                        "Baustellen mit Online-Information für Anwohnende",
                        "%",
                        UP,
                        20,
                        90,
                        "on",
                        "Bezirksamt Hamburg-Nord",
                    ),
                ),
            ),
            IndicatorSpec(
                "Baustellen ohne Abstimmungskonflikt",
                "%",
                UP,
                62,
                90,
                "on",
                "Koordinierungsstelle Baustellen",
            ),
        ),
    ),
    "wirtschaft-arbeitswelten": (
        GoalSpec(
            "Verwaltungsleistungen für Unternehmen aus einer Hand",
            "Unternehmen erledigen ihre Anliegen mit einem Konto, online und ohne Termin.",
            (
                MeasureSpec(
                    "Unternehmensportal Hamburg Service ausbauen",
                    "BWI",
                    ("unternehmensportal", "foerderlotse"),
                    "Ein Unternehmenskonto für alle Leistungen, mit Förderlotse und Postfach.",
                    IndicatorSpec(
                        "Registrierte Unternehmenskonten",
                        "Anzahl",
                        UP,
                        9500,
                        60000,
                        "on",
                        "Unternehmensportal Hamburg Service",
                    ),
                ),
                MeasureSpec(
                    "Gewerbeanmeldung ohne Termin",
                    "BA-MITTE",
                    ("gewerbeanmeldung-online",),
                    "Gewerbe werden online an-, um- und abgemeldet; das Bezirksamt prüft "
                    "ohne Vorsprache.",
                    IndicatorSpec(
                        "Online eingegangene Gewerbeanzeigen",
                        "%",
                        UP,
                        22,
                        85,
                        "risk",
                        "Bezirksamt Hamburg-Mitte",
                    ),
                ),
                MeasureSpec(
                    "E-Rechnung in allen Behörden empfangen",
                    "FB",
                    ("e-rechnung",),
                    "Eingangsrechnungen werden elektronisch empfangen, geprüft und gebucht.",
                    IndicatorSpec(
                        "Elektronisch verarbeitete Eingangsrechnungen",
                        "%",
                        UP,
                        30,
                        100,
                        "on",
                        "Finanzbehörde, Kasse.Hamburg",
                    ),
                ),
            ),
            IndicatorSpec(
                "Unternehmensleistungen vollständig online",
                "Anzahl",
                UP,
                38,
                180,
                "on",
                "Unternehmensportal Hamburg Service",
            ),
        ),
        GoalSpec(
            "Daten als Standortvorteil",
            "Hafen und Logistik teilen Daten sicher; Fachkräfte finden schneller in den Beruf.",
            (
                MeasureSpec(
                    "Hafen-Datenraum aufbauen",
                    "BWI",
                    ("hafen-datenraum",),
                    "Logistikdaten des Hafens werden nach gemeinsamen Regeln sicher geteilt.",
                    IndicatorSpec(
                        "Im Datenraum angebundene Unternehmen",
                        "Anzahl",
                        UP,
                        0,
                        150,
                        "off",
                        "Hamburg Port Authority",
                    ),
                ),
                MeasureSpec(
                    "Anerkennung ausländischer Abschlüsse digital begleiten",
                    "BWFGB",
                    ("fachkraefteportal",),
                    "Anträge, Nachweise und Bescheide der Anerkennung laufen über das "
                    "Fachkräfteportal.",
                    IndicatorSpec(
                        "Dauer eines Anerkennungsverfahrens",
                        "Tage",
                        DOWN,
                        96,
                        45,
                        "risk",
                        "Zentrale Anlaufstelle Anerkennung",
                    ),
                ),
            ),
        ),
    ),
    "sicherheit-rechtswesen": (
        GoalSpec(
            "Justiz arbeitet elektronisch",
            "Gerichte und Staatsanwaltschaften führen ihre Akten elektronisch, wie es das "
            "Bundesrecht verlangt.",
            (
                MeasureSpec(
                    "E-Akte in allen Gerichten einführen",
                    "BJV",
                    ("e-akte-justiz", "mahnverfahren-schnittstelle"),
                    "Alle Gerichte und Staatsanwaltschaften arbeiten mit der elektronischen "
                    "Akte; das Mahnverfahren ist angebunden.",
                    IndicatorSpec(
                        "Arbeitsplätze mit elektronischer Akte",
                        "%",
                        UP,
                        12,
                        100,
                        "off",
                        "Behörde für Justiz und Verbraucherschutz",
                    ),
                ),
                MeasureSpec(
                    "Senatsdrucksachen digital abstimmen",
                    "SK",
                    (),
                    "Entwürfe von Gesetzen und Drucksachen werden elektronisch zwischen den "
                    "Behörden abgestimmt.",
                    IndicatorSpec(
                        "Digital abgestimmte Senatsdrucksachen",
                        "%",
                        UP,
                        10,
                        100,
                        "on",
                        "Senatskanzlei",
                    ),
                ),
            ),
            IndicatorSpec(
                "Verfahren mit elektronischer Akte",
                "%",
                UP,
                15,
                100,
                "off",
                "Behörde für Justiz und Verbraucherschutz",
            ),
        ),
        GoalSpec(
            "Schnell helfen in Notlagen",
            "Feuerwehr, Polizei und Bezirke teilen ein Lagebild und dokumentieren Einsätze mobil.",
            (
                MeasureSpec(
                    "Einsätze mobil dokumentieren",
                    "BIS",
                    ("einsatzdokumentation", "lagebild-krisenstab"),
                    "Einsatzkräfte dokumentieren vor Ort; das Lagebild des Krisenstabs "
                    "aktualisiert sich daraus.",
                    IndicatorSpec(
                        "Mobil erfasste Einsatzberichte",
                        "%",
                        UP,
                        5,
                        95,
                        "on",
                        "Feuerwehr Hamburg",
                    ),
                ),
                MeasureSpec(
                    "Digitales Fundbüro für alle Bezirke",
                    "BA-WANDSBEK",
                    ("digitales-fundbuero",),
                    "Fundsachen werden online gemeldet und gesucht; das Fundbüro Wandsbek "
                    "zeigt, wie es geht.",
                    IndicatorSpec(
                        "Online gemeldete Fundsachen",
                        "%",
                        UP,
                        8,
                        70,
                        "risk",
                        "Bezirksamt Wandsbek",
                    ),
                ),
            ),
        ),
        GoalSpec(
            "Anzeigen rund um die Uhr",
            "Bürgerinnen und Bürger erstatten Anzeigen online; die Polizei bearbeitet sie ohne "
            "Medienbruch.",
            (
                MeasureSpec(
                    "Online-Wache weiterentwickeln",
                    "BIS",
                    ("online-wache",),
                    "Online-Anzeigen gehen strukturiert ein und werden direkt dem zuständigen "
                    "Kommissariat zugewiesen.",
                    IndicatorSpec(
                        "Dauer bis zur Zuweisung einer Online-Anzeige",
                        "Tage",
                        DOWN,
                        6,
                        1,
                        "on",
                        "Polizei Hamburg",
                    ),
                ),
            ),
        ),
    ),
    "wissen-bildung": (
        GoalSpec(
            "Digital lernen an allen Schulen",
            "Jede Schülerin und jeder Schüler lernt mit eigenem Gerät und einer gemeinsamen "
            "Lernplattform.",
            (
                MeasureSpec(
                    "Digitale Schultasche und Lernplattform ausrollen",
                    "BSB",
                    ("digitale-schultasche", "lernplattform"),
                    "Geräte, Lernmittel und die Lernplattform kommen an allen Schulen an.",
                    IndicatorSpec(
                        "Schulen auf der Lernplattform",
                        "%",
                        UP,
                        30,
                        100,
                        "risk",
                        "Behörde für Schule und Berufsbildung",
                    ),
                ),
                MeasureSpec(
                    "Digitale Medien in den Bücherhallen",
                    "BKM",
                    ("digitale-buecherhallen",),
                    "E-Medien und Lernangebote der Bücherhallen stehen allen offen.",
                    IndicatorSpec(
                        "Ausleihen digitaler Medien im Jahr",
                        "Anzahl",
                        UP,
                        2100000,
                        3500000,
                        "on",
                        "Bücherhallen Hamburg",
                    ),
                ),
            ),
            IndicatorSpec(
                "Schülerinnen und Schüler mit eigenem Endgerät",
                "%",
                UP,
                55,
                100,
                "on",
                "Behörde für Schule und Berufsbildung",
            ),
        ),
        GoalSpec(
            "Offene Wissenschaft",
            "Forschung der Hamburger Hochschulen ist frei zugänglich; Verwaltung und "
            "Wissenschaft erproben künstliche Intelligenz gemeinsam.",
            (
                MeasureSpec(
                    "Open-Access-Repositorium für alle Hochschulen",
                    "BWFGB",
                    ("open-access-repositorium",),
                    "Publikationen der Hochschulen erscheinen frei zugänglich in einem "
                    "gemeinsamen Repositorium.",
                    IndicatorSpec(
                        "Frei zugängliche Publikationen",
                        "%",
                        UP,
                        41,
                        80,
                        "on",
                        "Behörde für Wissenschaft, Forschung und Gleichstellung",
                    ),
                ),
                MeasureSpec(
                    "KI-Reallabor in den Bezirksämtern",
                    "BA-EIMSBUETTEL",
                    ("ki-reallabor",),
                    "Das Bezirksamt erprobt mit der Wissenschaft KI-Anwendungen für "
                    "Bürgerservice und Sachbearbeitung.",
                    IndicatorSpec(
                        "Erprobte KI-Anwendungen",
                        "Anzahl",
                        UP,
                        2,
                        25,
                        "off",
                        "Bezirksamt Eimsbüttel",
                    ),
                ),
            ),
        ),
        GoalSpec(
            "Schulverwaltung modernisieren",
            "Schulen verwalten Schülerdaten, Zeugnisse und Stundenpläne in einem zeitgemäßen "
            "System.",
            (
                MeasureSpec(
                    "Nachfolgesystem der Schulverwaltung einführen",
                    "BSB",
                    ("schulverwaltung-nachfolge",),
                    "Das neue System löst die Schulverwaltungssoftware Schule für Schule ab.",
                    IndicatorSpec(
                        "Schulen im Nachfolgesystem",
                        "%",
                        UP,
                        0,
                        100,
                        "off",
                        "Behörde für Schule und Berufsbildung",
                    ),
                ),
            ),
        ),
    ),
    "gesundheit-soziales": (
        GoalSpec(
            "Sozialleistungen einfach beantragen",
            "Elterngeld, Wohngeld und Beratung werden online beantragt und schneller beschieden.",
            (
                MeasureSpec(
                    "Elterngeld digital",
                    "SOZ",
                    ("elterngeld-digital",),
                    "Elterngeld wird ohne Papier beantragt; Nachweise kommen aus den Registern.",
                    IndicatorSpec(
                        "Bearbeitungsdauer eines Elterngeldantrags",
                        "Tage",
                        DOWN,
                        49,
                        14,
                        "on",
                        "Fachverfahren Elterngeld",
                    ),
                ),
                MeasureSpec(
                    "Wohngeld online in allen Bezirken",
                    "BA-BERGEDORF",
                    ("wohngeld-online",),
                    "Wohngeld wird online beantragt und im Bezirk digital beschieden.",
                    IndicatorSpec(
                        "Online gestellte Wohngeldanträge",
                        "%",
                        UP,
                        12,
                        75,
                        "on",
                        "Bezirksamt Bergedorf",
                    ),
                ),
                MeasureSpec(
                    "Beratungstermine im Bezirk online buchen",
                    "BA-MITTE",
                    (),
                    "Soziale Beratung im Bezirksamt lässt sich online buchen, auch als "
                    "Videoberatung.",
                    IndicatorSpec(
                        "Online gebuchte Beratungstermine",
                        "%",
                        UP,
                        20,
                        70,
                        "risk",
                        "Bezirksamt Hamburg-Mitte",
                    ),
                ),
            ),
            IndicatorSpec(
                "Online gestellte Anträge auf Sozialleistungen",
                "%",
                UP,
                24,
                80,
                "risk",
                "Sozialbehörde",
            ),
        ),
        GoalSpec(
            "Gesundheitsdienste krisenfest vernetzen",
            "Gesundheitsämter, Rettungsdienst und Pflege tauschen Meldungen und freie "
            "Kapazitäten digital aus.",
            (
                MeasureSpec(
                    "Gesundheitsämter digital",
                    "SOZ",
                    ("gesundheitsamt-digital",),
                    "Meldewesen und Fachverfahren der Gesundheitsämter werden modernisiert.",
                    IndicatorSpec(
                        "Elektronisch empfangene Meldungen nach dem Infektionsschutzgesetz",
                        "%",
                        UP,
                        60,
                        100,
                        "off",
                        "Sozialbehörde, Gesundheitsämter",
                    ),
                ),
                MeasureSpec(
                    "Freie Pflegeplätze für Rettungsdienst und Kliniken sichtbar machen",
                    "BIS",
                    ("pflegeplatzboerse",),
                    "Rettungsdienst und Kliniken sehen tagesaktuell, wo ein Pflegeplatz frei ist.",
                    IndicatorSpec(
                        "Tagesaktuell gemeldete Pflegeeinrichtungen",
                        "%",
                        UP,
                        30,
                        95,
                        "on",
                        "Pflegeplatzbörse",
                    ),
                ),
            ),
        ),
    ),
    "kultur-sport-freizeit": (
        GoalSpec(
            "Kultur digital erleben",
            "Sammlungen und Veranstaltungen der Stadt sind online auffindbar und zugänglich.",
            (
                MeasureSpec(
                    "Kulturportal und digitales Museumsarchiv",
                    "BKM",
                    ("kulturportal", "museumsarchiv-digital"),
                    "Das Kulturangebot und die digitalisierten Sammlungen an einem Ort.",
                    IndicatorSpec(
                        "Einrichtungen mit Angeboten im Kulturportal",
                        "Anzahl",
                        UP,
                        80,
                        450,
                        "risk",
                        "Kulturportal Hamburg",
                    ),
                ),
                MeasureSpec(
                    "Kulturelle Bildung: Schulen buchen online",
                    "BSB",
                    (),
                    "Schulen finden und buchen Angebote der kulturellen Bildung online.",
                    IndicatorSpec(
                        "Schulen mit online gebuchten Kulturangeboten",
                        "%",
                        UP,
                        10,
                        80,
                        "on",
                        "Behörde für Schule und Berufsbildung",
                    ),
                ),
            ),
            IndicatorSpec(
                "Besuche des Kulturportals im Monat",
                "Anzahl",
                UP,
                45000,
                150000,
                "on",
                "Kulturportal Hamburg",
            ),
        ),
        GoalSpec(
            "Sport und Freizeit ohne Warteschlange",
            "Vereine buchen Sportstätten, Badegäste Tickets; Förderanträge laufen digital.",
            (
                MeasureSpec(
                    "Sportstätten online buchen",
                    "BIS",
                    ("sportstaettenbuchung",),
                    "Vereine buchen Hallen und Plätze online; freie Zeiten sind sichtbar.",
                    IndicatorSpec(
                        "Online vergebene Hallenzeiten",
                        "%",
                        UP,
                        15,
                        90,
                        "off",
                        "Behörde für Inneres und Sport, Sportamt",
                    ),
                ),
                MeasureSpec(
                    "Freibadticket digital",
                    "BA-ALTONA",
                    ("freibadticket",),
                    "Tickets für Frei- und Hallenbäder gibt es online mit Zeitfenster.",
                    IndicatorSpec(
                        "Wartezeit am Einlass in der Hauptsaison",
                        "Minuten",
                        DOWN,
                        25,
                        5,
                        "on",
                        "Bezirksamt Altona",
                    ),
                ),
                MeasureSpec(
                    "Vereinsförderung digital",
                    "BKM",
                    ("vereinsfoerderung",),
                    "Vereine stellen Förderanträge online und sehen den Stand der Prüfung.",
                    IndicatorSpec(
                        "Bearbeitungsdauer eines Förderantrags",
                        "Tage",
                        DOWN,
                        70,
                        30,
                        "risk",
                        "Behörde für Kultur und Medien",
                    ),
                ),
            ),
        ),
    ),
}

# The shortfall behind the path, as a share of the whole way (strategy.progress), from the
# first value to the latest: "off" starts merely at risk and falls further behind.
SHORTFALL = {
    "on": (Decimal("-0.02"), Decimal("-0.05")),
    "risk": (Decimal("0.03"), Decimal("0.06")),
    "off": (Decimal("0.05"), Decimal("0.25")),
}
# The intermediate target: a slow start, 35 % of the way after three of seven years.
PATH_SHARE = Decimal("0.35")

RATINGS = {"on": Rating.SUBSTANTIAL, "risk": Rating.LIMITED, "off": Rating.LIMITED}
LIGHTS = {"on": "green", "risk": "amber", "off": "red"}
# Where ITD rates a report differently from the self-assessment, and why.
ITD_RATINGS = {"on": Rating.LIMITED, "risk": Rating.SUBSTANTIAL, "off": Rating.NOT_STARTED}

TEXTS = {
    "on": (
        "Die Maßnahme liegt im Plan. {indicator}: {value} zum {date}, das Zwischenziel ist in "
        "Reichweite. Im nächsten Halbjahr folgen die übrigen Dienststellen.",
        "Umsetzung wie geplant. {indicator} liegt mit {value} über dem Pfad. Schulungen und "
        "Rollout laufen; Risiken sehen wir derzeit keine.",
    ),
    "risk": (
        "Die Maßnahme kommt voran, aber langsamer als geplant. {indicator}: {value} zum {date}. "
        "Grund ist ein Verzug in der Vergabe; wir holen ihn bis zum Jahresende auf.",
        "Leichter Rückstand: {indicator} liegt bei {value}. Personalengpässe im Fachamt bremsen "
        "die Einführung; zusätzliche Unterstützung ist beantragt.",
    ),
    "off": (
        "Die Maßnahme liegt deutlich hinter dem Plan. {indicator}: {value} zum {date}. Der "
        "Dienstleister hat Nachforderungen gestellt; ein neuer Zeitplan wird mit ITD abgestimmt.",
        "Erheblicher Verzug: {indicator} erreicht erst {value}. Die Schnittstelle zum "
        "Altverfahren ist nicht fertig; wir bitten um Unterstützung durch ITD.",
    ),
}
ITD_COMMENTS = {
    "on": "ITD schätzt den Umsetzungsstand niedriger ein: Der Rollout ist begonnen, aber noch "
    "nicht in der Fläche angekommen.",
    "risk": "ITD schätzt den Umsetzungsstand höher ein: Die Pilotphase ist abgeschlossen, der "
    "Rückstand betrifft nur die Kennzahl.",
    "off": "ITD schätzt den Umsetzungsstand niedriger ein: Über Vorarbeiten hinaus ist noch "
    "nichts umgesetzt; bitte im nächsten Bericht einen neuen Zeitplan vorlegen.",
}
RETURN_COMMENTS = (
    "Bitte begründen Sie den Rückstand bei den Kennzahlen und nennen Sie, bis wann er "
    "aufgeholt ist. Die Ampel passt nicht zum gemeldeten Wert: bitte prüfen.",
    "Bitte nennen Sie die Quelle des gemeldeten Werts und ergänzen Sie die nächsten Schritte.",
)
NOTE = (
    "Aus Sicht des Raums plausibel. Die Abhängigkeiten zu den Projekten besprechen wir im "
    "nächsten Jour fixe."
)

# What each report of the open round shows, in turn over the measures: a spread of states.
OPEN_STATES = ("submitted", "accepted", "draft", "submitted", "empty", "returned", "submitted")
# The demo officer's three measures (dv.bvm@example.org, BVM): what a newcomer finds to do.
OFFICER_STATES = {"ME-1.1": "returned", "ME-2.2": "draft", "ME-3.1": "empty"}


@dataclass(frozen=True)
class Calendar:
    """The demo's dates, relative to today."""

    frozen_start: dt.date
    frozen_end: dt.date
    open_start: dt.date
    open_end: dt.date
    open_on: dt.date
    baseline_on: dt.date
    path_on: dt.date
    target_on: dt.date
    history: tuple[dt.date, ...]

    @classmethod
    def of(cls, on: dt.date) -> Calendar:
        open_start = _half_start(on)
        frozen_end = open_start - dt.timedelta(days=1)
        frozen_start = _half_start(frozen_end)
        baseline_on = frozen_start.replace(year=frozen_start.year - 2) - dt.timedelta(days=1)
        history = []
        day = _half_end(baseline_on + dt.timedelta(days=1))
        while day < frozen_start:
            history.append(day)
            day = _half_end(day + dt.timedelta(days=1))
        return cls(
            frozen_start=frozen_start,
            frozen_end=frozen_end,
            open_start=open_start,
            open_end=_half_end(open_start),
            open_on=max(open_start, on - dt.timedelta(days=7)),
            baseline_on=baseline_on,
            path_on=baseline_on.replace(year=baseline_on.year + 3),
            target_on=dt.date(baseline_on.year + 7, 12, 31),
            history=tuple(history),
        )

    def round_name(self, start: dt.date) -> str:
        return f"Berichtsrunde {start.year}/{1 if start.month <= 6 else 2}"


def _half_start(on: dt.date) -> dt.date:
    return dt.date(on.year, 1 if on.month <= 6 else 7, 1)


def _half_end(on: dt.date) -> dt.date:
    return dt.date(on.year, 6, 30) if on.month <= 6 else dt.date(on.year, 12, 31)


def seed_strategy(*, itd: User) -> int:
    """The demo strategy and its two rounds, written as `itd` and the officers; returns the
    number of goals created (0 when the spaces have goals already)."""
    if Goal.objects.exists():
        return 0
    cal = Calendar.of(today())
    seeder = _Seeder(itd, cal)
    seeder.tree()
    seeder.frozen_round()
    seeder.open_round()
    return Goal.objects.count()


class _Seeder:
    def __init__(self, itd: User, cal: Calendar) -> None:
        self.itd, self.cal = itd, cal
        self.specs: dict[int, tuple[IndicatorSpec, Person | None]] = {}

    # --- The tree: goals, measures, indicators and their history -------------------------------

    def tree(self) -> None:
        spaces = {s.slug: s for s in Space.objects.all()}
        authorities = {a.code: a for a in Authority.objects.all()}
        projects = {p.slug: p for p in Project.objects.all()}
        for slug, goals in STRATEGY.items():
            space = spaces.get(slug)
            if space is None:
                continue
            for number, spec in enumerate(goals, start=1):
                code = f"{PREFIXES[slug]}-{number}"
                goal = services.goal_create(
                    actor=self.itd,
                    space=space,
                    code=code,
                    title=spec.title,
                    description=spec.description,
                )
                if spec.indicator is not None:
                    self.indicator(goal, None, spec.indicator, None)
                for m_number, m_spec in enumerate(spec.measures, start=1):
                    self.measure(goal, f"{code}.{m_number}", m_spec, authorities, projects)

    def measure(
        self,
        goal: Goal,
        code: str,
        spec: MeasureSpec,
        authorities: dict[str, Authority],
        projects: dict[str, Project],
    ) -> None:
        authority = authorities[spec.lead]
        responsible = _principal(authority)
        # Staggered starts; every measure runs in both demo rounds (so each has its reports).
        starts_on = self.cal.baseline_on + dt.timedelta(days=1 + 31 * (len(code) % 3))
        measure = services.measure_create(
            actor=self.itd,
            goal=goal,
            code=code,
            title=spec.title,
            description=spec.description,
            lead_authority=authority,
            responsible=responsible,
            starts_on=starts_on,
            ends_on=dt.date(self.cal.target_on.year - len(spec.projects) % 2, 12, 31),
            projects=[projects[s] for s in spec.projects if s in projects],
        )
        self.indicator(goal, measure, spec.indicator, responsible)

    def indicator(
        self,
        goal: Goal,
        measure: Measure | None,
        spec: IndicatorSpec,
        responsible: Person | None,
    ) -> None:
        baseline, target = Decimal(spec.baseline), Decimal(spec.target)
        path = _quantize(baseline + (target - baseline) * PATH_SHARE, spec.unit)
        indicator = services.indicator_create(
            actor=self.itd,
            goal=goal,
            measure=measure,
            path=[services.PathInput(self.cal.path_on, path)],
            name=spec.name,
            unit=spec.unit,
            direction=spec.direction,
            baseline_value=baseline,
            baseline_on=self.cal.baseline_on,
            target_value=target,
            target_on=self.cal.target_on,
            source=spec.source,
        )
        self.specs[indicator.pk] = (spec, responsible)
        # The values before the first round, entered by the measure's officer (ITD for a goal's
        # own indicator), through the service: they lie in the past and in no frozen period.
        by = responsible.user if responsible is not None and responsible.user else self.itd
        for step, on in enumerate(self.cal.history):
            services.indicator_value_add(
                actor=by,
                indicator=indicator,
                on=on,
                value=self.value(indicator, step),
                source=spec.source,
            )

    def value(self, indicator: Indicator, step: int) -> Decimal:
        """The indicator's value at its `step`-th date (the history, then the frozen round's
        end, then the open round's date), following its profile."""
        spec = self.specs[indicator.pk][0]
        dates = [*self.cal.history, self.cal.frozen_end, self.cal.open_on]
        first, last = SHORTFALL[spec.profile]
        share = first + (last - first) * Decimal(step) / Decimal(len(dates) - 1)
        points = [
            progress.Point(indicator.baseline_on, indicator.baseline_value),
            *(progress.Point(p.on, p.value) for p in indicator.path.all()),
            progress.Point(indicator.target_on, indicator.target_value),
        ]
        expected = progress.path_value(points, dates[step])
        way = abs(indicator.target_value - indicator.baseline_value)
        behind = way * share if indicator.higher_is_better else -way * share
        return max(Decimal(0), _quantize(expected - behind, spec.unit))

    # --- The frozen round: everyone reported, ITD accepted, then froze -------------------------

    def frozen_round(self) -> None:
        cal = self.cal
        # The deadline a month after the period, or yesterday if that is still to come: the
        # round was reviewed and frozen in the past.
        deadline = min(cal.frozen_end + dt.timedelta(days=31), today() - dt.timedelta(days=1))
        round_ = _open_round(
            self.itd,
            name=cal.round_name(cal.frozen_start),
            start=cal.frozen_start,
            end=cal.frozen_end,
            deadline=deadline,
            opened_at=_moment(cal.frozen_end - dt.timedelta(days=14)),
        )
        step = len(cal.history)
        for index, submission in enumerate(_submissions(round_)):
            self.report(submission, cal.frozen_end, step, index, submit=True)
            # The service stamps the report as submitted now, after the deadline; the demo
            # replays a round of the past, submitted in time (before the freeze, which the
            # database would refuse afterwards).
            Submission.objects.filter(pk=submission.pk).update(
                submitted_at=_moment(max(cal.frozen_end, deadline - dt.timedelta(days=index % 9))),
                late=False,
            )
            submission.refresh_from_db()
            if submission.status != Submission.Status.SUBMITTED:
                continue  # no officer could write it: it stays a draft
            profile = self.profile(submission.measure)
            differs = index % 4 == 1
            services.submission_accept(
                actor=self.itd,
                submission=submission,
                itd_rating=ITD_RATINGS[profile] if differs else RATINGS[profile],
                comment=ITD_COMMENTS[profile] if differs else "",
            )
        self.goal_values(cal.frozen_end, step, every=1)
        services.round_freeze(actor=self.itd, round_=round_)

    # --- The open round: some submitted, one returned, drafts and missing reports --------------

    def open_round(self) -> None:
        cal = self.cal
        round_ = _open_round(
            self.itd,
            name=cal.round_name(cal.open_start),
            start=cal.open_start,
            end=cal.open_end,
            deadline=today() + dt.timedelta(days=5),
            opened_at=_moment(max(cal.open_start, today() - dt.timedelta(days=21))),
        )
        step = len(cal.history) + 1
        returned = 0
        for index, submission in enumerate(_submissions(round_)):
            state = OFFICER_STATES.get(submission.measure.code, OPEN_STATES[index % 7])
            if state == "empty" or not self.report(
                submission, cal.open_on, step, index, submit=state != "draft"
            ):
                continue
            if state == "accepted":
                services.submission_accept(
                    actor=self.itd,
                    submission=submission,
                    itd_rating=RATINGS[self.profile(submission.measure)],
                )
            elif state == "returned":
                _return(self.itd, submission, RETURN_COMMENTS[returned % 2])
                returned += 1
            elif state == "submitted":
                self.note(submission)
        # Half of the goals' own indicators have a newer value already.
        self.goal_values(cal.open_on, step, every=2)

    # --- Reports ------------------------------------------------------------------------------

    def profile(self, measure: Measure) -> str:
        indicator = measure.indicators.first()
        return self.specs[indicator.pk][0].profile if indicator else "on"

    def report(
        self, submission: Submission, on: dt.date, step: int, index: int, *, submit: bool
    ) -> bool:
        """The officer writes the report (a draft: without the traffic light yet); False if
        the lead authority has no officer to write it."""
        measure = submission.measure
        officers = services.reporters(measure)
        if not officers:
            return False
        profile = self.profile(measure)
        values = [
            services.ValueInput(indicator=i, on=on, value=self.value(i, step))
            for i in measure.indicators.all()
        ]
        first = values[0] if values else None
        text = TEXTS[profile][index % 2].format(
            indicator=first.indicator.name if first else measure.title,
            value=_german(first.value, first.indicator.unit) if first else "",
            date=on.strftime("%d.%m.%Y"),
        )
        services.submission_save(
            actor=officers[0],
            submission=submission,
            rating=RATINGS[profile],
            light=LIGHTS[profile] if submit else "",
            text=text,
            values=values,
            submit=submit,
        )
        return True

    def note(self, submission: Submission) -> None:
        """The space's coordinator comments on a submitted report (every third)."""
        if submission.pk % 3:
            return
        coordinator = (
            Membership.objects.active()
            .filter(space=submission.measure.goal.space_id, role=Membership.Role.COORDINATOR)
            .select_related("person__user")
            .first()
        )
        if coordinator is not None and coordinator.person.user is not None:
            services.submission_note(
                actor=coordinator.person.user, submission=submission, note=NOTE
            )

    def goal_values(self, on: dt.date, step: int, *, every: int) -> None:
        """Values of the goals' own indicators (no report carries them), entered by ITD."""
        for number, indicator in enumerate(
            Indicator.objects.filter(measure__isnull=True).order_by("pk")
        ):
            if number % every == 0:
                services.indicator_value_add(
                    actor=self.itd,
                    indicator=indicator,
                    on=on,
                    value=self.value(indicator, step),
                    source=indicator.source,
                )


def _principal(authority: Authority) -> Person | None:
    """The authority's principal officer, else any active officer (None if it has none)."""
    officer = (
        DigitalOfficer.objects.active()
        .filter(authority=authority)
        .select_related("person")
        .order_by("role", "since", "pk")
    )
    principal = officer.filter(role=DigitalOfficer.Role.PRINCIPAL).first() or officer.first()
    return principal.person if principal is not None else None


def _submissions(round_: Round) -> list[Submission]:
    return list(
        Submission.objects.filter(round=round_)
        .select_related("measure__goal", "measure__responsible")
        .order_by("measure__goal__space__position", "measure__goal__code", "measure__code")
    )


def _open_round(
    itd: User,
    *,
    name: str,
    start: dt.date,
    end: dt.date,
    deadline: dt.date,
    opened_at: dt.datetime,
) -> Round:
    """services.round_open for all seven spaces (quiet: seed_demo's `events.quiet()` keeps the
    notices back), dated back to when a real round would have been opened."""
    round_ = services.round_open(
        actor=itd,
        name=name,
        period_start=start,
        period_end=end,
        deadline=deadline,
        spaces=Space.objects.all(),
    )
    Round.objects.filter(pk=round_.pk).update(opened_at=opened_at)
    round_.refresh_from_db()
    return round_


def _return(itd: User, submission: Submission, comment: str) -> None:
    services.submission_return(actor=itd, submission=submission, comment=comment)


def _moment(on: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(on, dt.time(10)))


def _quantize(value: Decimal, unit: str) -> Decimal:
    """Counts are whole; shares and durations have one decimal."""
    step = Decimal("1") if unit == "Anzahl" else Decimal("0.1")
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _german(value: Decimal, unit: str) -> str:
    """1.234,5 % as the report's text writes it."""
    places = 0 if unit == "Anzahl" else 1
    number = f"{value:,.{places}f}".translate(str.maketrans(",.", ".,"))
    return number if unit == "Anzahl" else f"{number} {unit}"
