"""Who may request, see and download which report (the access matrix, docs/access.md).

A report is seen by those who may see its content: ITD sees every report; the coordinators of
a space the reports of that space; the digitalisation officers of an authority the reports of
that authority; a report of "the projects whose budget I see" only its requester, and only while
they still see every project in it. Guests and other staff see no budget, so they request none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contacts.permissions import officer_authority_ids
from core import rules
from core.audiences import ITD, STAFF, Audience, Viewer, audience
from core.rules import Attr, AttrIn, RuleTable, Self, has_any
from projects import permissions as project_permissions
from projects.models import Project
from projects.permissions import budget_condition
from spaces.permissions import coordinated_space_ids

from .models import Report, ReportSchedule, Scope

OF_MY_SPACE = STAFF & Attr("scope", Scope.SPACE) & AttrIn("space_id", coordinated_space_ids)
OF_MY_AUTHORITY = (
    STAFF & Attr("scope", Scope.AUTHORITY) & AttrIn("authority_id", officer_authority_ids)
)
MY_OWN = STAFF & Attr("scope", Scope.OWN) & Self("requested_by_id")

REPORT = RuleTable(
    Report,
    {
        "view": ITD | OF_MY_SPACE | OF_MY_AUTHORITY | MY_OWN,
        # The requester removes their report; ITD any.
        "delete": ITD | (STAFF & Self("requested_by_id")),
    },
)
SCHEDULE = RuleTable(ReportSchedule, {"view": ITD, "edit": ITD})

SEES_BUDGETS = rules.UserRule(
    lambda user: project_permissions.can(user, "see_any_budget"), "sees some budget"
)
GLOBAL = RuleTable(
    None,
    {
        # Whoever sees some budget: ITD, coordinators, officers and members of a space.
        "view_archive": ITD
        | (STAFF & (has_any(coordinated_space_ids, "coordinates") | SEES_BUDGETS)),
        "request": ITD | (STAFF & (has_any(coordinated_space_ids, "coordinates") | SEES_BUDGETS)),
        "schedule": ITD,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


def may_use_scope(user: Viewer, scope: str, *, space: Any = None, authority: Any = None) -> bool:
    """May `user` request a report of this scope (the same rule as for seeing one)."""
    if not can(user, "request"):
        return False
    if audience(user) == Audience.ITD:
        return scope != Scope.OWN  # ITD's "own" is the whole strategy: asked as such
    if scope == Scope.SPACE:
        return space is not None and space.pk in coordinated_space_ids(user)
    if scope == Scope.AUTHORITY:
        return authority is not None and authority.pk in officer_authority_ids(user)
    return scope == Scope.OWN


def content_condition(report: Report | ReportSchedule, requester: Viewer) -> Q | None:
    """The projects a report covers: its scope, within what its requester may see the budget
    of (None: nothing)."""
    seen = budget_condition(requester)
    if seen is None:
        return None
    if report.scope == Scope.SPACE:
        scope = Q(
            pk__in=Project.objects.filter(
                Q(primary_space_id=report.space_id) | Q(spaces=report.space_id)
            ).values("pk")
        )
    elif report.scope == Scope.AUTHORITY:
        scope = Q(
            pk__in=Project.objects.filter(
                Q(lead_authority_id=report.authority_id)
                | Q(participating_authorities=report.authority_id)
            ).values("pk")
        )
    else:
        scope = Q()
    return scope & seen


def may_download(user: Viewer, report: Report) -> bool:
    """The report is visible to `user`, and for one of "my projects" the requester still sees
    the budget of every project in it."""
    if not REPORT.can(user, "view", report):
        return False
    if report.scope != Scope.OWN or audience(user) == Audience.ITD:
        return True
    seen = budget_condition(user)
    if seen is None:
        return False
    ids = set(report.project_ids)
    visible = set(Project.objects.filter(seen, pk__in=ids).values_list("pk", flat=True))
    return ids <= visible
