"""Who sees and does what with the strategy (docs/access.md, "Strategy").

- The strategy of a space (goals, measures, indicators and their values) is the
  administration's: ITD and all staff see it; a guest sees the strategy of the spaces they
  were invited to, read-only; citizens see nothing of it (the open data publishes frozen
  rounds later).
- Goals, measures and indicators are written by ITD and the coordinators of the space; a
  measure's figures (indicator values, its reports) by the officers of its lead authority.
- Reporting rounds: ITD opens, reviews (returns, accepts, rates on its own) and freezes them.
  An officer of a measure's lead authority writes and submits its report; the space's
  coordinators see their space's reports and add their review note. Open ratings are seen
  only by those three; nobody else sees a round before it is frozen.
- The round report (through the report archive): ITD for the whole round or one space, a
  coordinator for a space of the round they coordinate; it is then seen and downloaded by
  whom the archive's rule lets see a report of that scope (reports.permissions.REPORT).
"""

from __future__ import annotations

from typing import Any

from contacts.permissions import officer_authority_ids
from core import rules
from core.audiences import ADMINISTRATION, EXTERNAL, ITD, STAFF, Viewer
from core.rules import AnyRelated, Attr, AttrIn, RuleTable, Through, Via, has_any
from spaces.permissions import coordinated_space_ids, guest_space_ids

from .models import Goal, Indicator, IndicatorValue, Measure, Round, Submission

# On a Space: who reads its strategy, who writes it.
READS_SPACE = ADMINISTRATION | (EXTERNAL & AttrIn("pk", guest_space_ids))
WRITES_SPACE = ITD | (STAFF & AttrIn("pk", coordinated_space_ids))

GOAL = RuleTable(
    Goal,
    {
        "view": Through("space", READS_SPACE),
        "edit": Through("space", WRITES_SPACE),
    },
)

# The officers of the measure's lead authority.
LEADS_MEASURE = STAFF & AttrIn("lead_authority_id", officer_authority_ids)

MEASURE = RuleTable(
    Measure,
    {
        "view": Via("goal", "view"),
        "edit": Via("goal", "edit"),
        # Its indicators' values and its reports in a round.
        "report": LEADS_MEASURE | Via("goal", "edit"),
    },
)

INDICATOR = RuleTable(
    Indicator,
    {
        "view": Via("goal", "view"),
        "edit": Via("goal", "edit"),
        # A new value: who writes the goal, and for a measure's indicator its lead officers.
        "enter_value": Via("goal", "edit") | Via("measure", "report"),
    },
)

VALUE = RuleTable(
    IndicatorValue,
    {"view": Via("indicator", "view"), "edit": Via("indicator", "enter_value")},
)

# Coordinators of one of the round's spaces, officers with a measure in it: the round's people.
STEERS = has_any(coordinated_space_ids, "coordinates") | has_any(officer_authority_ids, "officer")

ROUND = RuleTable(
    Round,
    {
        "view": ITD | (STAFF & STEERS),
        "manage": ITD,
        # Deliver the figures of one's reports as a file (the CSV import): officers, while the
        # round is open; each line is checked against SUBMISSION "write" again.
        "deliver": STAFF
        & has_any(officer_authority_ids, "officer")
        & Attr("status", Round.Status.OPEN),
        # Request its report: ITD, and the coordinators of one of its spaces (for that space:
        # the archive's scope rule checks which).
        "request_report": ITD | (STAFF & AnyRelated("spaces", coordinated_space_ids)),
    },
)

OF_MY_SPACE = STAFF & AttrIn("measure__goal__space_id", coordinated_space_ids)
OF_MY_AUTHORITY = STAFF & AttrIn("measure__lead_authority_id", officer_authority_ids)
OPEN = Attr("round__status", Round.Status.OPEN)

SUBMISSION = RuleTable(
    Submission,
    {
        "view": ITD | OF_MY_SPACE | OF_MY_AUTHORITY,
        # Write and submit the report: the lead authority's officers, while the round is open.
        "write": OF_MY_AUTHORITY & OPEN,
        # The coordinators' note on their space's reports.
        "note": OF_MY_SPACE & OPEN,
        # Return, accept, rate independently.
        "review": ITD & OPEN,
    },
)

GLOBAL = RuleTable(
    None,
    {
        "view_strategy": ADMINISTRATION | has_any(guest_space_ids, "guest of a space"),
        "view_rounds": ITD | (STAFF & STEERS),
        "open_round": ITD,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


def may_read_space(user: Viewer, space: Any) -> bool:
    return READS_SPACE.test(user, space)


def may_write_space(user: Viewer, space: Any) -> bool:
    return WRITES_SPACE.test(user, space)
