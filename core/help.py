"""The help area: a short page per area of the portal and a glossary of the budget terms.

Plain text in German with English translations (gettext), kept here so that the pages, the
glossary anchors and the links from the forms (`glossary_url`) come from one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    slug: str
    title: str | Promise
    summary: str | Promise
    paragraphs: tuple[str | Promise, ...]
    terms: tuple[str, ...] = ()  # glossary anchors worth reading with this page


@dataclass(frozen=True)
class Term:
    anchor: str
    term: str | Promise
    definition: str | Promise


AREAS: tuple[Area, ...] = (
    Area(
        "spaces",
        _("Digitale Räume"),
        _("Wer in einem Raum mitarbeitet und wie man hineinkommt."),
        (
            _(
                "Die Digitalen Räume sind die Treffpunkte der Digitalstrategie. Jeder Raum hat "
                "Koordinatorinnen und Koordinatoren, Mitglieder aus den Behörden und, für eine "
                "begrenzte Zeit, Gäste von außerhalb der Verwaltung."
            ),
            _(
                "Koordinierende nehmen Mitglieder auf, laden Gäste per E-Mail ein und beenden "
                "Mitgliedschaften. Eine Einladung gilt für eine bestimmte Zeit; der Zugang "
                "eines Gasts endet am genannten Tag von selbst."
            ),
            _(
                "Auf der Seite eines Raums sehen Sie seine Projekte, die nächsten Termine, die "
                "neuesten Diskussionen und Dokumente sowie, was zuletzt geschah."
            ),
        ),
    ),
    Area(
        "projects",
        _("Projekte und Budget"),
        _("Projekte anlegen, Ampel und Meilensteine pflegen, das Budget erfassen."),
        (
            _(
                "Ein Projekt gehört federführend zu einem Raum und einer Behörde. Anlegen und "
                "bearbeiten dürfen es die Koordinierenden dieses Raums und die "
                "Digitalisierungsverantwortlichen dieser Behörde."
            ),
            _(
                "Die Ampel sagt, wie es um das Projekt steht: grün läuft nach Plan, gelb und "
                "rot brauchen eine kurze Begründung. Überfällige Meilensteine erscheinen auf "
                "Ihrem Überblick zuerst."
            ),
            _(
                "Das Budget wird je Haushaltsjahr in Zeilen erfasst: Kostenart mal "
                "Finanzierungsquelle, jeweils mit Plan, fortgeschriebenem Plan, gebundenen "
                "Mitteln und Ist. Personal wird in Vollkosten erfasst: VZÄ mal Entgeltgruppe mal "
                "Monate. Halten Sie die Zeilen des laufenden Jahrs aktuell; der Überblick "
                "erinnert daran."
            ),
            _(
                "Die Projektseite lässt sich als Steckbrief drucken: Navigation und Formulare "
                "fallen beim Drucken weg, Links werden mit ihrer Adresse gedruckt."
            ),
        ),
        terms=("plan", "fortgeschriebener-plan", "gebunden", "ist", "vzae", "vollkosten"),
    ),
    Area(
        "reports",
        _("Berichte"),
        _("Berichte und Exporte für die Steuerung."),
        (
            _(
                "Berichte fassen Projekte und Budget zu einem Stichtag zusammen. Sie werden im "
                "Hintergrund erstellt; sobald ein Bericht fertig ist, finden Sie ihn im "
                "Berichtsarchiv und erhalten eine Benachrichtigung."
            ),
            _(
                "Das Portfolio und die Budgetzeilen lassen sich als CSV oder XLSX exportieren. "
                "Ein Export enthält nur, was Sie auch im Portal sehen dürfen."
            ),
        ),
    ),
    Area(
        "notifications",
        _("Benachrichtigungen"),
        _("Worüber das Portal Sie informiert und wie Sie das einstellen."),
        (
            _(
                "Das Portal benachrichtigt Sie über Einladungen, Änderungen an Ihren Projekten, "
                "Erwähnungen, Antworten in Diskussionen, denen Sie folgen, Termine und neue "
                "Dokumente."
            ),
            _(
                "Unter Benachrichtigungen › Einstellungen wählen Sie je Art, ob Sie sofort, "
                "täglich oder wöchentlich gesammelt oder gar nicht per E-Mail informiert "
                "werden. Im Portal bleiben alle Benachrichtigungen sichtbar."
            ),
        ),
    ),
    Area(
        "collaboration",
        _("Termine, Diskussionen und Dokumente"),
        _("Zusammenarbeit in einem Raum oder Projekt."),
        (
            _(
                "Termine lädt die Koordination eines Raums ein. Eingeladene antworten mit "
                "„nehme teil“, „vielleicht“ oder „nehme nicht teil“; offene Antworten zeigt Ihr "
                "Überblick. Ihren persönlichen Kalender können Sie abonnieren."
            ),
            _(
                "Diskussionen gibt es in Räumen und an Projekten. Mit @vorname.nachname "
                "erwähnen Sie eine Person, die dann benachrichtigt wird. Wer einer "
                "Diskussion folgt, erfährt von jeder Antwort."
            ),
            _(
                "Dokumente werden beim Hochladen auf ihren Inhalt geprüft und in Versionen "
                "abgelegt. Herunterladen kann sie nur, wer den Raum oder das Projekt sehen darf."
            ),
        ),
    ),
    Area(
        "account",
        _("Konto und Sicherheit"),
        _("Anmelden, zweiter Faktor, Sitzungen und Ihre Daten."),
        (
            _(
                "Koordinierende, Digitalisierungsverantwortliche und Mitarbeitende des ITD "
                "melden sich mit einem zweiten Faktor an (Authenticator-App). Bewahren Sie die "
                "Wiederherstellungscodes sicher auf."
            ),
            _(
                "Unter Konto › Sicherheit sehen Sie Ihre Anmeldungen und offenen Sitzungen und "
                "können Sitzungen auf anderen Geräten beenden. Eine Sitzung endet nach einer "
                "Zeit ohne Aktivität von selbst."
            ),
            _("Sie können eine Auskunft über alle zu Ihnen gespeicherten Daten herunterladen."),
        ),
    ),
)

GLOSSARY: tuple[Term, ...] = (
    Term(
        "haushaltsjahr",
        _("Haushaltsjahr"),
        _("Das Kalenderjahr, für das Mittel geplant und abgerechnet werden."),
    ),
    Term(
        "doppelhaushalt",
        _("Doppelhaushalt"),
        _(
            "Hamburg beschließt den Haushalt für zwei Jahre zusammen (z. B. 2025/2026); jedes "
            "Haushaltsjahr gehört zu einem Doppelhaushalt."
        ),
    ),
    Term(
        "kostenart",
        _("Kostenart"),
        _("Wofür das Geld ausgegeben wird, z. B. Personalkosten, Sachkosten, Dienstleistungen."),
    ),
    Term(
        "finanzierungsquelle",
        _("Finanzierungsquelle"),
        _(
            "Woher das Geld kommt: das Strategiebudget des ITD, Eigenmittel der Behörde, "
            "Bundes- oder EU-Mittel."
        ),
    ),
    Term(
        "plan",
        _("Plan"),
        _("Der zu Beginn des Haushaltsjahrs vorgesehene Betrag einer Budgetzeile."),
    ),
    Term(
        "fortgeschriebener-plan",
        _("fortgeschriebener Plan"),
        _(
            "Der im Lauf des Jahrs angepasste Plan (nach Umschichtungen oder neuen "
            "Erkenntnissen). Verglichen wird mit ihm, nicht mit dem ursprünglichen Plan."
        ),
    ),
    Term(
        "gebunden",
        _("gebunden"),
        _(
            "Mittel, die durch Aufträge oder Verträge schon festgelegt, aber noch nicht "
            "ausgegeben sind."
        ),
    ),
    Term("ist", _("Ist"), _("Was tatsächlich ausgegeben (gebucht) wurde.")),
    Term(
        "verfuegbar",
        _("verfügbar"),
        _("Fortgeschriebener Plan minus gebunden minus Ist: was noch eingesetzt werden kann."),
    ),
    Term(
        "vollkosten",
        _("Vollkosten"),
        _(
            "Alle Kosten eines Vorhabens einschließlich des eigenen Personals, nicht nur die "
            "Ausgaben an Dritte. Personal wird mit den Kostensätzen je Entgeltgruppe bewertet."
        ),
    ),
    Term(
        "vzae",
        _("VZÄ (Vollzeitäquivalent)"),
        _(
            "Eine volle Stelle entspricht 1,0 VZÄ; eine halbe Stelle 0,5. Personalkosten "
            "ergeben sich aus VZÄ × Kostensatz der Entgeltgruppe × Monate ÷ 12."
        ),
    ),
    Term(
        "entgeltgruppe",
        _("Entgeltgruppe"),
        _("Die Tarif- oder Besoldungsgruppe (z. B. E 13, A 14), nach der der Kostensatz gilt."),
    ),
    Term(
        "programmbudget",
        _("Programmbudget"),
        _("Das Budget der Digitalstrategie, gegen das Zeilen aus dem Strategiebudget zählen."),
    ),
    Term(
        "federfuehrend",
        _("federführend"),
        _(
            "Der Raum und die Behörde, die ein Projekt verantworten; weitere Räume und "
            "Behörden können beteiligt sein."
        ),
    ),
    Term(
        "ampel",
        _("Ampel"),
        _("Der Zustand eines Projekts: grün (nach Plan), gelb (Risiken), rot (gefährdet)."),
    ),
    Term(
        "sichtbarkeit",
        _("Sichtbarkeit"),
        _(
            "Öffentlich: für alle; intern: für die Verwaltung und Gäste der Räume; "
            "eingeschränkt: nur für die Beteiligten."
        ),
    ),
)

TERMS = {t.anchor: t for t in GLOSSARY}


def area(slug: str) -> Area | None:
    return next((a for a in AREAS if a.slug == slug), None)


def glossary_url(anchor: str) -> str:
    """The address of a glossary entry (for info links next to form fields)."""
    if anchor not in TERMS:
        raise KeyError(anchor)
    return f"{reverse('core:glossary')}#{anchor}"
