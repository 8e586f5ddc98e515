"""The first texts of the four items in Leichte Sprache (BITV 2.0 § 4), written to the checker's
rules. The migration 0002 loads them, so the page is never empty; ITD changes them on
/leichte-sprache/verwalten/ and has them checked by test readers."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "inhalt": (
        "Das ist auf dieser Internet-Seite",
        """Diese Internet-Seite heißt: Digitale Räume Hamburg.

Die Stadt Hamburg will digital werden.
Das heißt: Vieles soll auch mit dem Computer gehen.
Zum Beispiel: Anträge stellen.

Dafür gibt es einen Plan.
Der Plan heißt: Digital-Strategie.

Auf dieser Seite arbeiten Menschen aus den Ämtern von Hamburg zusammen.
Sie arbeiten in 7 Gruppen.
Die Gruppen heißen: Digitale Räume.

Sie finden hier:
- die 7 Digitalen Räume
- die Projekte von den Räumen
- wie viel Geld die Projekte kosten

Die Seite macht das Amt für IT und Digitalisierung.
Das Amt gehört zur Senats-Kanzlei von Hamburg.""",
    ),
    "navigation": (
        "So finden Sie sich auf der Seite zurecht",
        """Oben auf jeder Seite ist ein Menü.
Im Menü sind Links zu den wichtigen Seiten.

Ganz unten auf jeder Seite sind auch Links.
Zum Beispiel zu diesen Seiten:
- Leichte Sprache
- Gebärden-Sprache
- Hilfe

Sie können die Seite auch mit der Tastatur benutzen.
Mit der Tab-Taste kommen Sie zum nächsten Link.
Mit der Enter-Taste öffnen Sie den Link.

Oben rechts können Sie die Sprache wählen.
Es gibt Deutsch und Englisch.""",
    ),
    "erklaerung": (
        "Barriere-Freiheit auf dieser Seite",
        """Alle Menschen sollen diese Seite gut benutzen können.
Das heißt: Barriere-Freiheit.

Dafür gibt es Regeln.
Die Regeln stehen in einem Gesetz.
Das Gesetz heißt: BITV 2.0.

Wir halten die meisten Regeln ein.
Wir haben die Seite selbst geprüft.
Eine Prüf-Stelle soll die Seite noch prüfen.

Sie finden eine Barriere auf der Seite?
Dann schreiben Sie uns bitte eine E-Mail.
Wir antworten in 1 Monat.

Sie sind mit der Antwort unzufrieden?
Dann können Sie sich bei der Ombuds-Stelle beschweren.
Die Ombuds-Stelle hilft Ihnen.
Das ist kostenlos.""",
    ),
    "weitere-inhalte": (
        "Mehr Informationen in Leichter Sprache und Gebärden-Sprache",
        """Es gibt diese Seite auch in Gebärden-Sprache.
Dort sind Videos.
In den Videos erklärt eine Person alles in Gebärden-Sprache.

Die anderen Seiten gibt es nur in schwerer Sprache.
Sie wollen eine Seite in Leichter Sprache?
Oder in Gebärden-Sprache?
Dann klicken Sie unten auf der Seite auf den Knopf:
Übersetzung wünschen.

Wir zählen die Wünsche.
So sehen wir: Diese Seiten sind wichtig.""",
    ),
}
