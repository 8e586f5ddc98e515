"""Text rules shared by every app: which characters the portal accepts and writes out."""

from __future__ import annotations

import re
import unicodedata

# C0 control characters (but tab, line feed, carriage return) and DEL: never part of what a
# person types; they break XML (XLSX), terminals and CSV readers.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_chars(text: str) -> bool:
    return CONTROL_CHARS.search(text) is not None


def strip_control_chars(text: str) -> str:
    """The text without control characters, for exports of data stored before input was
    checked (and anything that reached the database by another way)."""
    return CONTROL_CHARS.sub("", text)


# German letters spelt out as the address bar and a reader expect them: "Mobilität" ->
# "mobilitaet", "Straße" -> "strasse" (not "mobilitat", "strae").
_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify_german(text: str, *, max_length: int = 80) -> str:
    """A part of an address from a title: lower-case a-z, digits and single hyphens, German
    umlauts transliterated, other accents dropped, cut at a word within `max_length`; '' when
    nothing is left ("!!!")."""
    spelt = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    ascii_text = spelt.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        if slug[max_length] != "-" and "-" in cut:
            cut = cut.rsplit("-", 1)[0]  # not in the middle of a word
        slug = cut.strip("-")
    return slug
