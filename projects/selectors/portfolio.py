"""The portfolio: the projects the viewer may see, filtered and sorted; lists and exports start
from `portfolio()`, so a list never shows what the project page would refuse."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from contacts.models import Authority
from core.audiences import Viewer
from spaces.models import Space

from ..models import Project
from .money import Figures, project_figures

# Sort keys offered by the filter form -> order_by.
SORTS: dict[str, tuple[str, ...]] = {
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
    "start": ("start", "title", "pk"),
    "-start": ("-start", "title", "pk"),
    "end": ("end", "title", "pk"),
    "-end": ("-end", "title", "pk"),
    "status": ("status", "title", "pk"),
    "health": ("health", "title", "pk"),
    "space": ("primary_space__position", "title", "pk"),
    "authority": ("lead_authority__code", "title", "pk"),
    "-updated": ("-updated_at", "pk"),
}


def portfolio(
    user: Viewer,
    *,
    q: str = "",
    space: Space | None = None,
    authority: Authority | None = None,
    status: str = "",
    health: str = "",
    year: int | None = None,
    visibility: str = "",
    sort: str = "",
) -> QuerySet[Project]:
    qs = Project.objects.visible_to(user).select_related("primary_space", "lead_authority")
    for word in q.split():
        qs = qs.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(slug__icontains=word)
        )
    if space is not None:
        further = Project.spaces.through.objects.filter(space=space).values("project_id")
        qs = qs.filter(Q(primary_space=space) | Q(pk__in=further))
    if authority is not None:
        through = Project.participating_authorities.through
        participating = through.objects.filter(authority=authority).values("project_id")
        qs = qs.filter(Q(lead_authority=authority) | Q(pk__in=participating))
    if status:
        qs = qs.filter(status=status)
    if health:
        qs = qs.filter(health=health)
    if year:
        qs = qs.filter(start__year__lte=year, end__year__gte=year)
    if visibility:
        qs = qs.filter(visibility=visibility)
    return qs.order_by(*SORTS.get(sort or "title", SORTS["title"]))


def rows_with_figures(
    page_projects: Iterable[Project],
) -> list[tuple[Project, Figures | None, bool]]:
    """(project, figures or None if the viewer may not see them, over budget in some year)."""
    rows = []
    for project in page_projects:
        figures = project_figures(project)
        rows.append((project, figures, bool(figures and figures.over_budget)))
    return rows


def public_projects(limit: int = 6) -> list[Project]:
    return list(
        Project.objects.filter(visibility=Project.Visibility.PUBLIC)
        .select_related("primary_space")
        .order_by("-updated_at", "pk")[:limit]
    )
