"""Who may request, see and download which report (the access matrix, docs/access.md).

Reports: ITD all; a coordinator those of the spaces they coordinate; a digitalisation officer
those of the authorities they represent; nobody else (members, guests, other staff, visitors).
A report is seen, and downloaded, by exactly those who may see its content: the same rule, so a
coordinator who steps down no longer opens the reports of that space.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contacts.permissions import officer_authority_ids
from core import rules
from core.audiences import ITD, STAFF, Viewer
from core.rules import Attr, AttrIn, RuleTable, Self, has_any
from projects.models import Project
from projects.permissions import budget_condition
from spaces.permissions import coordinated_space_ids

from .models import Report, ReportSchedule, Scope

OF_MY_SPACE = STAFF & Attr("scope", Scope.SPACE) & AttrIn("space_id", coordinated_space_ids)
OF_MY_AUTHORITY = (
    STAFF & Attr("scope", Scope.AUTHORITY) & AttrIn("authority_id", officer_authority_ids)
)

# Who may see a report of its scope, and so request one (tested on an unsaved Report).
OF_MY_SCOPE = ITD | OF_MY_SPACE | OF_MY_AUTHORITY

REPORT = RuleTable(
    Report,
    {
        "view": OF_MY_SCOPE,
        "request": OF_MY_SCOPE,
        # Its requester (while they may still see it) removes a report; ITD any.
        "delete": ITD | ((OF_MY_SPACE | OF_MY_AUTHORITY) & Self("requested_by_id")),
    },
)
SCHEDULE = RuleTable(ReportSchedule, {"view": ITD, "edit": ITD})

STEERS = has_any(coordinated_space_ids, "coordinates") | has_any(officer_authority_ids, "officer")
GLOBAL = RuleTable(
    None,
    {
        "view_archive": ITD | (STAFF & STEERS),
        "request": ITD | (STAFF & STEERS),
        "schedule": ITD,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


def may_use_scope(user: Viewer, scope: str, *, space: Any = None, authority: Any = None) -> bool:
    """May `user` request a report of this scope (REPORT "request": the rule for seeing one)."""
    if scope not in Scope.values:
        return False
    probe = Report(
        scope=scope,
        space=space if scope == Scope.SPACE else None,
        authority=authority if scope == Scope.AUTHORITY else None,
    )
    return REPORT.can(user, "request", probe)


def content_condition(report: Report | ReportSchedule, requester: Viewer) -> Q | None:
    """The projects a report covers: its scope, within what its requester may see the budget
    of (None: nothing)."""
    seen = budget_condition(requester)
    if seen is None:
        return None
    if report.scope == Scope.SPACE:
        in_space = Q(primary_space_id=report.space_id) | Q(spaces=report.space_id)
        scope = Q(pk__in=Project.objects.filter(in_space).values("pk"))
    elif report.scope == Scope.AUTHORITY:
        of_authority = Q(lead_authority_id=report.authority_id) | Q(
            participating_authorities=report.authority_id
        )
        scope = Q(pk__in=Project.objects.filter(of_authority).values("pk"))
    else:
        scope = Q()
    return scope & seen


def may_download(user: Viewer, report: Report) -> bool:
    """Whoever may see the report may download it: its content is theirs to see."""
    return REPORT.can(user, "view", report)
