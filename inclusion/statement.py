"""Which version of the accessibility statement is in force: the SHA-256 of its German source
(the template core/accessibility.html, whose text is German; the English is its translation).
A text in Leichte Sprache that summarises it (item 3) records the version its test readers
signed off; when the statement changes, the summary is due for review again."""

from __future__ import annotations

import hashlib

from django.template.loader import get_template

STATEMENT_TEMPLATE = "core/accessibility.html"


def statement_hash() -> str:
    source: str = get_template(STATEMENT_TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
