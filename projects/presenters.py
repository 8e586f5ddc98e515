"""How project figures and histories are drawn: chart geometry and the audit trail's display.

Pure functions of data the selectors computed: no queries here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from core.dates import format_date
from core.money import format_euro

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
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]
    legend: list[tuple[str, str]]


def health_chart(rows: list[Any], healths: list[tuple[str, str]]) -> Chart:
    """Horizontal stacked bars: per space the projects by health."""
    label_w, bar_w, row_h = 220, 380, 30
    most = max([r.total for r in rows] + [1])
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    for i, row in enumerate(rows):
        y = 10 + i * row_h
        labels.append((label_w - 8, y + 16, row.space.name))
        x = float(label_w)
        for (code, name), count in zip(healths, row.by_health, strict=True):
            if not count:
                continue
            w = bar_w * count / most
            bars.append(Bar(x, y, w, row_h - 10, f"portal-health-{code}", f"{name}: {count}"))
            x += w
    return Chart(
        width=label_w + bar_w + 20,
        height=20 + len(rows) * row_h,
        bars=bars,
        labels=labels,
        legend=[(f"portal-health-{code}", name) for code, name in healths],
    )


def year_chart(rows: list[Any]) -> Chart:
    """Grouped vertical bars per year: plan and actual."""
    height, top, bottom, group_w = 220, 10, 30, 90
    most = max([max(r.figures.planned, r.figures.actual) for r in rows] + [Decimal(1)])
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    for i, row in enumerate(rows):
        x0 = 40 + i * group_w
        for j, (name, css, value) in enumerate(
            (
                (_("Plan"), "portal-bar-plan", row.figures.planned),
                (_("Ist"), "portal-bar-actual", row.figures.actual),
            )
        ):
            h = float(Decimal(height - top - bottom) * value / most)
            bars.append(
                Bar(
                    x0 + j * 32,
                    height - bottom - h,
                    28,
                    h,
                    css,
                    f"{row.label} {name}: {format_euro(value)}",
                )
            )
        labels.append((x0 + 30, height - 10, row.label))
    return Chart(
        width=60 + len(rows) * group_w,
        height=height,
        bars=bars,
        labels=labels,
        legend=[("portal-bar-plan", _("Plan")), ("portal-bar-actual", _("Ist"))],
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


def shown_value(name: str, value: Any) -> str:
    """A value of a snapshot as a person reads it: money, dates, lists, or "–" for nothing."""
    if value is None or value == "" or value == []:
        return "–"
    if name in MONEY_FIELDS:
        return format_euro(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def shown_changes(model: type[models.Model], changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field label, old, new) for each change that a person can see ("" and None read alike)."""
    rows = []
    for name, change in (changes or {}).items():
        if not isinstance(change, dict):
            continue  # e.g. project_ref: which project a line belonged to
        old, new = shown_value(name, change.get("old")), shown_value(name, change.get("new"))
        if old != new:
            rows.append((field_label(model, name), old, new))
    return rows
