"""German first, English second: every string of the portal has an English translation."""

from __future__ import annotations

from pathlib import Path

import polib

PO_FILE = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_string_has_an_english_translation():
    po = polib.pofile(str(PO_FILE))
    missing = [
        e.msgid
        for e in po
        if not e.obsolete
        and ("fuzzy" in e.flags or not (e.msgstr or any(e.msgstr_plural.values())))
    ]
    assert not missing, f"untranslated or fuzzy: {missing[:10]} ({len(missing)} in all)"


def test_the_compiled_catalogue_is_up_to_date():
    po = {(e.msgid, e.msgstr) for e in polib.pofile(str(PO_FILE)) if not e.obsolete and e.msgstr}
    mo = {(e.msgid, e.msgstr) for e in polib.mofile(str(PO_FILE.with_suffix(".mo"))) if e.msgid}
    assert po <= mo, f"django.mo is older than django.po: run `make messages` ({len(po - mo)})"
