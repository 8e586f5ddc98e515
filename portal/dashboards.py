"""The dashboard per role: what needs attention first, then the work of the role.

The portal is the top of the house, so it reads every app's scoped querysets; it never widens
them. Every list is one query with a limit (plus one to know there is more), so the dashboard
makes the same number of queries for few and many rows.

- ITD keeps the strategy cockpit (projects.selectors.cockpit).
- A coordinator sees the spaces they coordinate: the projects (red and amber first), the number
  of members, pending invitations and memberships ending soon, the next meetings, the newest
  discussions.
- A digitalisation officer sees the projects of their authority and the budget lines to keep
  current (`STALE_AFTER_DAYS`), and the overdue milestones.
- Members and other staff see the projects of their spaces and of their authority.
- A guest sees their space or project: its projects, next meetings, discussions and documents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.models import Invitation
from contacts.permissions import officer_authority_ids
from core.audiences import Audience, Viewer, audience, is_signed_in
from core.dates import today
from discussions import selectors as discussion_selectors
from discussions.models import Thread
from documents import selectors as document_selectors
from meetings import selectors as meeting_selectors
from meetings.models import Answer
from projects.models import BudgetLine, Milestone, Project, ProjectGuest
from projects.permissions import invited_project_ids
from spaces.models import Membership, Space
from spaces.permissions import coordinated_space_ids, guest_space_ids, staff_space_ids
from strategy import selectors as strategy_selectors

# "Ending soon": access, memberships and invitations that end within this many days.
ENDING_WITHIN_DAYS = 14
# A budget line "to keep current": a project led by the officer's authority, still running,
# whose current fiscal year has no budget line, or whose lines of that year were all last
# changed more than this many days ago.
STALE_AFTER_DAYS = 90
# Older than any line: a project without a line of the year counts as "not changed since".
NEVER = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LIST_LIMIT = 10

RUNNING = (
    Project.Status.IDEA,
    Project.Status.PLANNED,
    Project.Status.IN_PROGRESS,
    Project.Status.ON_HOLD,
)


@dataclass
class Limited:
    """At most `LIST_LIMIT` items and whether there are more."""

    items: list[Any] = field(default_factory=list)
    more: bool = False

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _limited(qs: QuerySet[Any], limit: int = LIST_LIMIT) -> Limited:
    found = list(qs[: limit + 1])
    return Limited(found[:limit], len(found) > limit)


@dataclass(frozen=True)
class Ending:
    """An access, membership or invitation ending within `ENDING_WITHIN_DAYS` days."""

    kind: str  # own_membership, own_project_access, membership, invitation
    what: str  # the space's or project's name
    who: str  # whose (empty for one's own)
    until: dt.date | None
    url: str


@dataclass
class Attention:
    overdue: Limited = field(default_factory=Limited)
    red: Limited = field(default_factory=Limited)
    ending: list[Ending] = field(default_factory=list)
    unanswered: Limited = field(default_factory=Limited)
    within_days: int = ENDING_WITHIN_DAYS
    # The strategy: reports the person has to write or correct (returned first), and for ITD
    # and coordinators the reports of their rounds past the deadline.
    reports: Limited = field(default_factory=Limited)
    reports_overdue: Limited = field(default_factory=Limited)

    def __bool__(self) -> bool:
        return bool(
            self.overdue
            or self.red
            or self.ending
            or self.unanswered
            or self.reports
            or self.reports_overdue
        )


@dataclass
class CoordinatedSpace:
    space: Space
    members: int
    pending_invitations: int


@dataclass
class RoleDashboard:
    attention: Attention = field(default_factory=Attention)
    projects: Limited = field(default_factory=Limited)
    projects_scope: str = ""  # coordinated, authority, own, guest
    coordinated: list[CoordinatedSpace] = field(default_factory=list)
    pending_invitations: Limited = field(default_factory=Limited)
    budget_to_update: Limited = field(default_factory=Limited)
    is_officer: bool = False
    stale_after_days: int = STALE_AFTER_DAYS
    meetings: Limited = field(default_factory=Limited)
    threads: Limited = field(default_factory=Limited)
    documents: Limited = field(default_factory=Limited)
    show_documents: bool = False
    has_places: bool = False  # a space or project of one's own: meetings and discussions


def _red_first(qs: QuerySet[Project]) -> QuerySet[Project]:
    order = Case(
        When(health=Project.Health.RED, then=Value(0)),
        When(health=Project.Health.AMBER, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        qs.annotate(health_order=order)
        .select_related("primary_space", "lead_authority")
        .order_by("health_order", "title", "pk")
    )


def project_scope(user: Viewer) -> tuple[str, QuerySet[Project]]:
    """Which projects are "mine" on the dashboard (PROJECT "dashboard", within what the user
    may view), and what to call them."""
    projects = Project.objects.restrict(user, "dashboard")
    kind = audience(user)
    if kind == Audience.ITD:
        label = "all"
    elif kind == Audience.EXTERNAL:
        label = "guest"
    elif coordinated_space_ids(user):
        label = "coordinated"
    elif officer_authority_ids(user) or not staff_space_ids(user):
        label = "authority"
    else:
        label = "own"
    return label, projects


def _attention(user: Viewer, projects: QuerySet[Project]) -> Attention:
    on = today()
    soon = on + dt.timedelta(days=ENDING_WITHIN_DAYS)
    ids = projects.order_by().values("pk")
    attention = Attention(
        overdue=_limited(
            Milestone.objects.filter(project__in=ids, done__isnull=True, due__lt=on)
            .select_related("project")
            .order_by("due", "pk")
        ),
        red=_limited(
            projects.filter(health=Project.Health.RED, status__in=RUNNING)
            .select_related("primary_space")
            .order_by("title", "pk")
        ),
        unanswered=_limited(
            meeting_selectors.my_upcoming(user)
            .filter(cancelled_at__isnull=True)
            .filter(Q(my_answer=Answer.OPEN) | Q(my_answer__isnull=True))
        ),
    )
    if not is_signed_in(user):
        return attention
    attention.reports = _limited(strategy_selectors.my_open_reports(user))
    attention.reports_overdue = _limited(strategy_selectors.overdue_reports(user, on))
    for m in (
        Membership.objects.active()
        .filter(person__user=user, until__isnull=False, until__lte=soon)
        .select_related("space")
        .order_by("until", "pk")[:LIST_LIMIT]
    ):
        attention.ending.append(
            Ending("own_membership", m.space.name, "", m.until, m.space.get_absolute_url())
        )
    for g in (
        ProjectGuest.objects.active()
        .filter(person__user=user, until__lte=soon)
        .select_related("project")
        .order_by("until", "pk")[:LIST_LIMIT]
    ):
        attention.ending.append(
            Ending("own_project_access", g.project.title, "", g.until, g.project.get_absolute_url())
        )
    coordinated = coordinated_space_ids(user)
    if coordinated:
        for m in (
            Membership.objects.visible_to(user)
            .active()
            .filter(space_id__in=coordinated, until__isnull=False, until__lte=soon)
            .exclude(person__user=user)
            .select_related("space", "person__user")
            .order_by("until", "pk")[:LIST_LIMIT]
        ):
            attention.ending.append(
                Ending(
                    "membership",
                    m.space.name,
                    m.person.name,
                    m.until,
                    m.space.get_absolute_url() + "#members",
                )
            )
    return attention


def _coordinated(user: Viewer, ids: frozenset[int]) -> list[CoordinatedSpace]:
    spaces = (
        Space.objects.visible_to(user)
        .filter(pk__in=ids)
        .annotate(
            member_count=Count(
                "memberships",
                filter=Q(memberships__in=Membership.objects.active()),
                distinct=True,
            ),
            pending_count=Count(
                "invitations",
                filter=Q(invitations__in=Invitation.objects.pending()),
                distinct=True,
            ),
        )
        .order_by("position", "pk")
    )
    # member_count, pending_count: annotations (not attributes the type checker knows).
    return [
        CoordinatedSpace(s, getattr(s, "member_count"), getattr(s, "pending_count"))  # noqa: B009
        for s in spaces
    ]


def _budget_to_update(user: Viewer) -> Limited:
    """Projects of the officer's lead authority whose current year's lines are missing or were
    not changed within `STALE_AFTER_DAYS` days (only those whose budget they may edit)."""
    authorities = officer_authority_ids(user)
    if not authorities:
        return Limited()
    year = today().year
    stale_before = timezone.now() - dt.timedelta(days=STALE_AFTER_DAYS)
    qs = (
        Project.objects.restrict(user, "edit_budget")
        .filter(lead_authority_id__in=authorities, status__in=RUNNING)
        # Per project its newest line of the year, found through the lines' unique index
        # (project, fiscal year, ...): no pass over every line of the portfolio.
        .annotate(
            last_change=Subquery(
                BudgetLine.objects.filter(project=OuterRef("pk"), fiscal_year__year=year)
                .order_by("-updated_at")
                .values("updated_at")[:1]
            )
        )
        .alias(last_change_or_never=Coalesce("last_change", Value(NEVER)))
        # One comparison, so that PostgreSQL computes the newest line once per project (as
        # "IS NULL OR <" it computed it twice: 1,875 and 1,810 times for one authority).
        .filter(last_change_or_never__lt=stale_before)
        .select_related("primary_space")
        .order_by("last_change", "title", "pk")
    )
    return _limited(qs)


def _in_my_places(spaces: Any, projects: Any) -> Q:
    return Q(space_id__in=spaces) | Q(project_id__in=projects)


def role_dashboard(user: Viewer) -> RoleDashboard:
    """The dashboard of everyone but ITD (who keep the cockpit, and the attention list)."""
    scope, projects = project_scope(user)
    dash = RoleDashboard(attention=_attention(user, projects))
    if audience(user) == Audience.ITD:
        return dash
    dash.projects_scope = scope
    dash.projects = _limited(_red_first(projects))
    coordinated = coordinated_space_ids(user)
    if coordinated:
        dash.coordinated = _coordinated(user, coordinated)
        dash.pending_invitations = _limited(
            Invitation.objects.visible_to(user)
            .pending()
            .filter(space_id__in=coordinated)
            .select_related("space")
            .order_by("expires_at", "pk")
        )
    dash.is_officer = bool(officer_authority_ids(user))
    dash.budget_to_update = _budget_to_update(user)
    spaces = staff_space_ids(user) | guest_space_ids(user)
    invited = invited_project_ids(user)
    dash.has_places = bool(spaces or invited)
    if not dash.has_places:
        return dash
    now = timezone.now()
    dash.meetings = _limited(
        meeting_selectors.visible(user)
        .filter(space_id__in=spaces, cancelled_at__isnull=True, ends_at__gte=now)
        .order_by("starts_at", "pk")
    )
    dash.threads = _limited(
        discussion_selectors.listed(user, Thread.objects.filter(_in_my_places(spaces, invited)))
        .filter(hidden_at__isnull=True)
        .order_by("-last_post_at", "-pk")
    )
    if audience(user) == Audience.EXTERNAL:
        dash.show_documents = True
        dash.documents = _limited(
            document_selectors.visible(user)
            .filter(_in_my_places(spaces, invited))
            .select_related("space", "project")
            .order_by("-updated_at", "-pk")
        )
    return dash
