"""Two reporting rounds side by side: per space, goal and measure what changed, what got
better or worse, which measures are new and which dropped. A frozen round is read from its
snapshot; an open round from its current state (the same shape, snapshots.build). Changes are
named in words ("besser", "schlechter"), never by colour alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import snapshots
from .models import RATING_ORDER, Light, Rating, Round
from .progress import Status

STATUS_ORDER = {"off_track": 0, "at_risk": 1, "on_track": 2}
LIGHT_ORDER = {Light.RED: 0, Light.AMBER: 1, Light.GREEN: 2}

BETTER, WORSE, SAME, NEW, DROPPED, CHANGED = "better", "worse", "same", "new", "dropped", "changed"
CHANGE_LABELS = {
    BETTER: _("besser"),
    WORSE: _("schlechter"),
    SAME: _("unverändert"),
    NEW: _("neu"),
    DROPPED: _("entfallen"),
    CHANGED: _("geändert"),
}


def content(round_: Round) -> dict[str, Any]:
    if round_.is_frozen and round_.snapshot:
        return round_.snapshot
    return snapshots.build(round_, at=timezone.now())


@dataclass
class Change:
    """One compared figure: before, after and the direction, in words."""

    label: str
    before: str
    after: str
    change: str

    @property
    def change_label(self) -> str:
        return str(CHANGE_LABELS[self.change])


@dataclass
class MeasureChange:
    code: str
    title: str
    change: str
    changes: list[Change] = field(default_factory=list)

    @property
    def change_label(self) -> str:
        return str(CHANGE_LABELS[self.change])


@dataclass
class GoalChanges:
    code: str
    title: str
    measures: list[MeasureChange] = field(default_factory=list)


@dataclass
class SpaceChanges:
    name: str
    goals: list[GoalChanges] = field(default_factory=list)


def _direction(before: Any, after: Any, order: dict[Any, int]) -> str:
    if before == after:
        return SAME
    if before in order and after in order:
        return BETTER if order[after] > order[before] else WORSE
    return CHANGED


def _rating_label(key: str) -> str:
    return str(Rating(key).label) if key in Rating.values else "–"


def _light_label(key: str) -> str:
    return str(Light(key).label) if key in Light.values else "–"


def _measure_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    old, new = before.get("report") or {}, after.get("report") or {}
    changes = [
        Change(
            str(_("Umsetzungsstand")),
            _rating_label(old.get("rating", "")),
            _rating_label(new.get("rating", "")),
            _direction(old.get("rating"), new.get("rating"), RATING_ORDER),
        ),
        Change(
            str(_("Ampel")),
            _light_label(old.get("light", "")),
            _light_label(new.get("light", "")),
            _direction(old.get("light"), new.get("light"), LIGHT_ORDER),
        ),
    ]
    old_indicators = {i["id"]: i for i in before.get("indicators", [])}
    for indicator in after.get("indicators", []):
        previous = old_indicators.get(indicator["id"])
        if previous is None:
            continue
        changes.append(
            Change(
                indicator["name"],
                str(_status_label(previous["status"])),
                str(_status_label(indicator["status"])),
                _direction(previous["status"], indicator["status"], STATUS_ORDER),
            )
        )
    if old.get("text", "") != new.get("text", ""):
        changes.append(Change(str(_("Bericht")), "", "", CHANGED))
    return changes


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else "–"


def _overall(changes: list[Change]) -> str:
    kinds = {c.change for c in changes}
    if WORSE in kinds:
        return WORSE
    if BETTER in kinds:
        return BETTER
    return CHANGED if CHANGED in kinds else SAME


def _measures(space: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {
        m["code"]: (goal, m) for goal in space.get("goals", []) for m in goal.get("measures", [])
    }


def compare(earlier: Round, later: Round) -> list[SpaceChanges]:
    """Per space of either round, per goal, each measure of either round and its change."""
    before, after = content(earlier), content(later)
    spaces_before = {s["slug"]: s for s in before["spaces"]}
    spaces_after = {s["slug"]: s for s in after["spaces"]}
    result = []
    for slug in [*spaces_after, *(s for s in spaces_before if s not in spaces_after)]:
        old, new = spaces_before.get(slug, {}), spaces_after.get(slug, {})
        old_measures, new_measures = _measures(old), _measures(new)
        space = SpaceChanges(name=(new or old)["name"])
        goals: dict[str, GoalChanges] = {}
        for code in sorted({*old_measures, *new_measures}):
            goal, measure = new_measures.get(code) or old_measures[code]
            row = goals.setdefault(goal["code"], GoalChanges(goal["code"], goal["title"]))
            if code not in old_measures:
                row.measures.append(MeasureChange(code, measure["title"], NEW))
            elif code not in new_measures:
                row.measures.append(MeasureChange(code, measure["title"], DROPPED))
            else:
                changes = _measure_changes(old_measures[code][1], measure)
                row.measures.append(
                    MeasureChange(code, measure["title"], _overall(changes), changes)
                )
        space.goals = [goals[k] for k in sorted(goals)]
        result.append(space)
    return result
