"""Choice labels named fast: `get_<field>_display()` from a table made once per field and
language (the labels are fixed in the code)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language


class ChoiceLabels:
    """`get_<field>_display()` that names a value from a table made once per field and
    language. Django's own makes the field's whole list of choices hashable on every call,
    which translates every label (a list of 30 notices: 30 x 26 translations). The labels are
    fixed in the code, so the table never goes stale; a value without a label is returned as
    it is, as Django does."""

    def _get_FIELD_display(self, field: models.Field) -> object:  # noqa: N802 - Django's name
        value = getattr(self, field.attname)
        try:
            return _labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's way
            return super()._get_FIELD_display(field)  # type: ignore[misc]


def _labels(field: models.Field, language: str | None) -> dict[object, str]:
    tables: dict[str | None, dict[object, str]] = field.__dict__.setdefault("_portal_labels", {})
    table = tables.get(language)
    if table is None:
        table = tables[language] = {value: str(label) for value, label in field.flatchoices}
    return table
