"""Text rules shared by every app: which characters the portal accepts and writes out."""

from __future__ import annotations

import re

# C0 control characters (but tab, line feed, carriage return) and DEL: never part of what a
# person types; they break XML (XLSX), terminals and CSV readers.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_chars(text: str) -> bool:
    return CONTROL_CHARS.search(text) is not None


def strip_control_chars(text: str) -> str:
    """The text without control characters, for exports of data stored before input was
    checked (and anything that reached the database by another way)."""
    return CONTROL_CHARS.sub("", text)
