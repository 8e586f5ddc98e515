"""How project figures and histories are drawn: chart geometry and the audit trail's display.

Pure functions of data the selectors computed: no queries here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from core.dates import format_date
from core.money import format_euro, format_number

# --- Charts -----------------------------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str


@dataclass
class Text:
    """A text in the chart: a category label, an axis tick, a bar's value or the axis title."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    css: str = "portal-chart-label"


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]
    legend: list[tuple[str, str]]
    # Issue 11: an axis with ticks and grid lines, and each bar's value written on the chart.
    texts: list[Text] = field(default_factory=list)
    lines: list[tuple[float, float, float, float, str]] = field(default_factory=list)


def nice_ceiling(value: Decimal | float) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (axis maximum)."""
    value = Decimal(value)
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(value))) - 1) if value >= 1 else Decimal(1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= power * step:
            return power * step
    return power * 10


def money_scale(most: Decimal) -> tuple[Decimal, str, int]:
    """Divisor, unit and decimals for the axis of amounts up to `most` (Mio. €, Tsd. € or €)."""
    if most >= 1_000_000:
        return Decimal(1_000_000), _("Mio. €"), 1
    if most >= 1_000:
        return Decimal(1_000), _("Tsd. €"), 0
    return Decimal(1), "€", 0


def health_chart(rows: list[Any], healths: list[tuple[str, str]]) -> Chart:
    """Horizontal stacked bars: per space the projects by health, with a count axis below."""
    label_w, bar_w, row_h, axis_h = 220, 380, 30, 34
    most = max([r.total for r in rows] + [1])
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    texts: list[Text] = []
    lines: list[tuple[float, float, float, float, str]] = []
    for i, row in enumerate(rows):
        y = 10 + i * row_h
        labels.append((label_w - 8, y + 16, row.space.name))
        x = float(label_w)
        for (code, name), count in zip(healths, row.by_health, strict=True):
            if not count:
                continue
            w = bar_w * count / most
            bars.append(Bar(x, y, w, row_h - 10, f"portal-health-{code}", f"{name}: {count}"))
            if w >= 14:  # the count inside its segment, where it fits
                inside = f"portal-chart-value-inside portal-chart-on-{code}"
                texts.append(Text(x + w / 2, y + 14, str(count), css=inside))
            x += w
        texts.append(Text(x + 4, y + 14, str(row.total), anchor="start"))
    bottom = 10 + len(rows) * row_h
    step = max(1, int(nice_ceiling(Decimal(most) / 5)))
    lines.append((label_w, bottom, label_w + bar_w, bottom, "portal-chart-axis"))
    for tick in range(0, most + 1, step):
        tx = label_w + bar_w * tick / most
        lines.append((tx, 5, tx, bottom + 4, "portal-chart-grid"))
        texts.append(Text(tx, bottom + 17, str(tick), css="portal-chart-tick"))
    texts.append(
        Text(label_w + bar_w / 2, bottom + 31, _("Anzahl Projekte"), css="portal-chart-tick")
    )
    return Chart(
        width=label_w + bar_w + 40,
        height=bottom + axis_h,
        bars=bars,
        labels=labels,
        legend=[(f"portal-health-{code}", name) for code, name in healths],
        texts=texts,
        lines=lines,
    )


def year_chart(rows: list[Any]) -> Chart:
    """Grouped vertical bars per year: plan and actual, on an axis of amounts with their values."""
    height, top, bottom, left, group_w, bar_w = 250, 28, 30, 64, 110, 40
    most = max([max(r.figures.planned, r.figures.actual) for r in rows] + [Decimal(1)])
    divisor, unit, places = money_scale(most)
    ceiling = nice_ceiling(most / divisor) * divisor
    area = Decimal(height - top - bottom)
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    texts: list[Text] = [Text(left - 8, 12, unit, anchor="end", css="portal-chart-tick")]
    lines: list[tuple[float, float, float, float, str]] = []
    width = left + 20 + len(rows) * group_w
    # Five steps: 1, 2, 2.5, 5 and 10 divide into steps with at most one decimal.
    step = ceiling / divisor / 5
    tick_places = 0 if step == step.to_integral_value() else 1
    for tick in range(6):
        ty = float(height - bottom - area * tick / 5)
        lines.append((left, ty, width - 10, ty, "portal-chart-grid"))
        shown = format_number(step * tick, tick_places)
        texts.append(Text(left - 8, ty + 4, shown, anchor="end", css="portal-chart-tick"))
    lines.append((left, top - 6, left, height - bottom, "portal-chart-axis"))
    lines.append((left, height - bottom, width - 10, height - bottom, "portal-chart-axis"))
    for i, row in enumerate(rows):
        x0 = left + 16 + i * group_w
        for j, (name, css, value) in enumerate(
            (
                (_("Plan"), "portal-bar-plan", row.figures.planned),
                (_("Ist"), "portal-bar-actual", row.figures.actual),
            )
        ):
            h = float(area * value / ceiling)
            x = x0 + j * (bar_w + 4)
            bars.append(
                Bar(
                    x,
                    height - bottom - h,
                    bar_w,
                    h,
                    css,
                    f"{row.label} {name}: {format_euro(value)}",
                )
            )
            shown = format_number(value / divisor, places)
            texts.append(
                Text(x + bar_w / 2, height - bottom - h - 4, shown, css="portal-chart-value")
            )
        labels.append((x0 + bar_w + 2, height - 10, row.label))
    return Chart(
        width=width,
        height=height,
        bars=bars,
        labels=labels,
        legend=[("portal-bar-plan", _("Plan")), ("portal-bar-actual", _("Ist"))],
        texts=texts,
        lines=lines,
    )


# --- The audit trail --------------------------------------------------------------------------

MONEY_FIELDS = {"planned", "revised", "committed", "actual", "annual_full_cost", "amount"}


def field_label(model: type[models.Model], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a field that no longer exists keeps its technical name
        return name
    # The trail records concrete fields; a relation seen from the other side has no label.
    return str(field.verbose_name) if isinstance(field, models.Field) else name


Names = Mapping[str, Mapping[str, str]]
"""Per field: a value as the trail stores it -> the same value named in the reader's language."""


def choice_names(model: type[models.Model]) -> dict[str, dict[str, str]]:
    """Per choice field of `model`: its code and its German and English labels -> the label in
    the active language. The trail stores the German label (core.services.snapshot); entries
    written before that rule, or by the benchmark data, may hold the code or English. Worked
    out once per model and language (the labels are fixed in the code); do not change it."""
    return _choice_names(model, translation.get_language() or "de")


@cache
def _choice_names(model: type[models.Model], language: str) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for f in model._meta.concrete_fields:
        if not f.choices:
            continue
        shown: dict[str, str] = {}
        for value, label in f.flatchoices:
            with translation.override(language):
                current = str(label)
            shown[str(value)] = current
            for other in ("de", "en"):
                with translation.override(other):
                    shown[str(label)] = current
        names[f.name] = shown
    return names


def shown_value(
    name: str, value: Any, names: Names | None = None, *, places: int | None = None
) -> str:
    """A value of a snapshot as a person reads it: money, numbers, dates, yes/no, lists, a choice
    or reference data in the reader's language, or "–" for nothing. `places`: the value is a
    number of a decimal field with that many places."""
    if value is None or value == "" or value == []:
        return "–"
    if name in MONEY_FIELDS:
        return format_euro(value)
    named = (names or {}).get(name, {})
    if isinstance(value, list):
        return ", ".join(named.get(str(v), str(v)) for v in value)
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if places is not None:
        return format_number(value, places) or str(value)
    if isinstance(value, str) and value in named:
        return named[value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _decimal_places(model: type[models.Model], name: str) -> int | None:
    """The decimal places of `model`'s field `name` if it is a decimal field (money aside)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if name in MONEY_FIELDS or not isinstance(field, models.DecimalField):
        return None
    return field.decimal_places


def shown_changes(
    model: type[models.Model], changes: dict[str, Any], names: Names | None = None
) -> list[tuple[str, str, str]]:
    """(field label, old, new) for each change that a person can see ("" and None read alike),
    named in the reader's language: `names` are the reference data's (the selector loads them),
    the choices' come from the model."""
    every: dict[str, Mapping[str, str]] = {**choice_names(model), **(names or {})}
    rows = []
    for name, change in (changes or {}).items():
        if not isinstance(change, dict):
            continue  # e.g. project_ref: which project a line belonged to
        places = _decimal_places(model, name)
        old, new = (
            shown_value(name, change.get(key), every, places=places) for key in ("old", "new")
        )
        if old != new:
            rows.append((field_label(model, name), old, new))
    return rows


def shown_repr(text: str, names: Names, fields: tuple[str, ...]) -> str:
    """An object's stored name made of reference data ("2026 · Personalkosten · Eigenmittel"),
    each part in the reader's language where `names` of `fields` know it."""
    lookups = [names.get(f, {}) for f in fields]
    return " · ".join(
        next((n[part] for n in lookups if part in n), part) for part in text.split(" · ")
    )
