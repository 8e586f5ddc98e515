"""Whether an indicator is on track: computed from its values against its path, never claimed.

The path runs from the baseline (its date and value) through the intermediate targets to the
target, straight between neighbouring points (the EU Digital Decade's "trajectory"). The
latest value is compared with the path's value at the value's own date:

- on track (im Plan): the value reaches the path's value, or is better;
- at risk (gefährdet): it falls short by at most a tenth of the whole way from the baseline
  to the target;
- off track (nicht im Plan): it falls short by more;
- no value yet (keine Werte): nothing was measured after the baseline.

"Better" follows the indicator's direction (higher or lower is better). The rule is shown on
the indicator's page in these words (RULE below). Roll-ups count indicators, each with the
same weight: a goal's and a space's share on track is on track / indicators with values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# The share of the way from baseline to target a value may fall behind and still be "at risk".
TOLERANCE = Decimal("0.1")

RULE = _(
    "Der letzte Wert wird mit dem Pfad verglichen, der geradlinig vom Ausgangswert über die "
    "Zwischenziele zum Zielwert führt, und zwar an seinem eigenen Stichtag. Im Plan: Er erreicht "
    "den Pfadwert oder ist besser. Gefährdet: Er liegt höchstens ein Zehntel des Weges vom "
    "Ausgangs- zum Zielwert dahinter. Nicht im Plan: Er liegt weiter dahinter. Jede Kennzahl "
    "zählt in der Zusammenfassung gleich."
)


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("im Plan")
    AT_RISK = "at_risk", _("gefährdet")
    OFF_TRACK = "off_track", _("nicht im Plan")
    NO_DATA = "no_data", _("keine Werte")


@dataclass(frozen=True)
class Point:
    on: dt.date
    value: Decimal


def path_value(points: Sequence[Point], on: dt.date) -> Decimal:
    """The path's value at `on`: straight between the neighbouring points; before the first
    point its value, after the last the last's (`points` sorted by date, at least one)."""
    if on <= points[0].on:
        return points[0].value
    for before, after in zip(points, points[1:], strict=False):
        if on <= after.on:
            days = (after.on - before.on).days
            share = Decimal((on - before.on).days) / Decimal(days)
            return before.value + (after.value - before.value) * share
    return points[-1].value


@dataclass(frozen=True)
class Assessment:
    status: str
    latest: Point | None = None
    expected: Decimal | None = None
    # How far the latest value falls short of the path, as a share of the whole way (>= 0).
    shortfall: Decimal | None = None

    @property
    def label(self) -> str:
        return str(Status(self.status).label)

    @property
    def expected_shown(self) -> Decimal | None:
        """The path's value as pages show it: to the hundredth (the comparison is exact)."""
        if self.expected is None:
            return None
        return self.expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def assess(
    *,
    baseline: Point,
    target: Point,
    path: Iterable[Point] = (),
    values: Iterable[Point] = (),
    higher_is_better: bool = True,
) -> Assessment:
    """The status of an indicator (see the module's rule)."""
    measured = sorted((v for v in values if v.on > baseline.on), key=lambda v: v.on)
    if not measured:
        return Assessment(Status.NO_DATA)
    latest = measured[-1]
    between = sorted((p for p in path if baseline.on < p.on < target.on), key=lambda p: p.on)
    expected = path_value([baseline, *between, target], latest.on)
    way = abs(target.value - baseline.value)
    behind = expected - latest.value if higher_is_better else latest.value - expected
    if behind <= 0:
        return Assessment(Status.ON_TRACK, latest, expected, Decimal(0))
    # A target equal to its baseline ("hold the level"): any shortfall is off track.
    shortfall = behind / way if way else Decimal("Infinity")
    status = Status.AT_RISK if shortfall <= TOLERANCE else Status.OFF_TRACK
    return Assessment(status, latest, expected, shortfall)


@dataclass
class Rollup:
    """Indicators counted by status; each indicator weighs the same."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Status.values, 0))

    def add(self, status: str) -> None:
        self.counts[status] += 1

    def merge(self, other: Rollup) -> None:
        for status, count in other.counts.items():
            self.counts[status] += count

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def with_values(self) -> int:
        return self.total - self.counts[Status.NO_DATA]

    @property
    def share_on_track(self) -> Decimal | None:
        """Percent of the indicators with values that are on track, one decimal."""
        if not self.with_values:
            return None
        share = Decimal(self.counts[Status.ON_TRACK] * 100) / Decimal(self.with_values)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
