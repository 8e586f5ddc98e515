"""The licence of every published dataset, the publisher, and whom to ask (a functional mailbox,
never a person: OPEN_DATA_CONTACT_EMAIL)."""

from __future__ import annotations

from django.conf import settings

# Datenlizenz Deutschland – Namensnennung – Version 2.0, as DCAT-AP.de names it.
URI = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
NAME = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
TEXT_URL = "https://www.govdata.de/dl-de/by-2-0"

PUBLISHER = "Freie und Hansestadt Hamburg"
PUBLISHER_URI = "https://www.hamburg.de/"
# Who provides the data within the publisher (the attribution names it).
PROVIDER = "Freie und Hansestadt Hamburg, Senatskanzlei – Amt für IT und Digitalisierung"
# The Transparenzportal Hamburg in the list of DCAT-AP.de contributors.
CONTRIBUTOR_ID = "http://dcat-ap.de/def/contributors/transparenzportalHamburg"
# Hamburg as a state: its state key (Landesschlüssel 02, as dct:spatial) and the level.
GEOCODING_URI = "http://dcat-ap.de/def/politicalGeocoding/stateKey/02"
GEOCODING_LEVEL_URI = "http://dcat-ap.de/def/politicalGeocoding/Level/state"


def attribution() -> str:
    """The attribution the licence asks for: the provider, the portal, the licence."""
    return f"{PROVIDER} (Digitale Räume Hamburg), {NAME} ({TEXT_URL})"


def contact_email() -> str:
    return str(settings.OPEN_DATA_CONTACT_EMAIL)


CONTACT_NAME = "Freie und Hansestadt Hamburg, Senatskanzlei – Amt für IT und Digitalisierung"
