"""The kinds of result the search finds, each from its app's scoped queryset: whatever the
search shows, the person may open (the same rule as the object's own page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Person, User
from core.audiences import Viewer
from core.dates import format_date, format_datetime
from discussions.models import Post, Thread
from discussions.permissions import POST
from documents.models import Document
from documents.selectors import visible as visible_documents
from meetings.models import Meeting
from meetings.selectors import visible as visible_meetings
from projects.models import Project
from spaces.models import Membership, Space
from strategy.models import Goal, Measure

from .engine import Terms, match, with_highlights


@dataclass(frozen=True)
class Provider:
    key: str
    label: Promise
    # The rows the viewer may open that match, with `rank`, in the space if one is chosen.
    find: Callable[[Viewer, Terms, Space | None], QuerySet[Any]]
    # The page's rows with `hl_title` and `hl_text` (and what the template needs).
    shape: Callable[[QuerySet[Any], Terms], QuerySet[Any]]
    url: Callable[[Any], str]
    meta: Callable[[Any], str] = lambda obj: ""


# --- Spaces -------------------------------------------------------------------------------------

SPACE_FIELDS = ("name_de", "name_en", "description_de", "description_en")


def _spaces(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    found = Space.objects.visible_to(viewer)
    if space is not None:
        found = found.filter(pk=space.pk)
    return match(found, SPACE_FIELDS, terms)


def _shape_spaces(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    return with_highlights(rows, terms, title="name_de", text="description_de")


# --- Projects -----------------------------------------------------------------------------------

PROJECT_FIELDS = ("title", "summary", "description")


def _authority_codes(terms: Terms) -> Q | None:
    """A word that is an authority's code ("BVM") finds the projects it leads or takes part in."""
    codes = [w.upper() for w in terms.words if 2 <= len(w) <= 20]
    if not codes:
        return None
    # Looked up first (two small queries): a condition on plain ids keeps the whole filter
    # indexable (the text index OR the lead authority's index OR the primary key), where a
    # subquery in the OR made PostgreSQL compute the text vector of every project.
    ids = list(Authority.objects.filter(code__in=codes).values_list("pk", flat=True))
    if not ids:
        return None
    taking_part = list(
        Project.participating_authorities.through.objects.filter(authority_id__in=ids).values_list(
            "project_id", flat=True
        )
    )
    return Q(lead_authority_id__in=ids) | Q(pk__in=taking_part)


def _projects(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    found = Project.objects.visible_to(viewer)
    if space is not None:
        further = Project.spaces.through.objects.filter(space=space).values("project_id")
        found = found.filter(Q(primary_space=space) | Q(pk__in=further))
    return match(found, PROJECT_FIELDS, terms, also=_authority_codes(terms))


def _shape_projects(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    rows = rows.select_related("primary_space", "lead_authority")
    return with_highlights(rows, terms, title="title", text="summary")


def _project_meta(project: Project) -> str:
    return f"{project.primary_space.name} · {project.lead_authority.code} · " + str(
        project.get_status_display()
    )


# --- People -------------------------------------------------------------------------------------


def _people(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    """Names do not stem: every word matches a first name, a last name or the function."""
    found = Person.objects.visible_to(viewer)
    if space is not None:
        found = found.filter(
            pk__in=Membership.objects.active().filter(space=space).values("person_id")
        )
    for word in terms.words:
        # Each part on its own table, so each reads its trigram index (contacts/0015): an OR
        # over the joined tables would make PostgreSQL test every person.
        named = User.objects.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        doing = Person.objects.filter(function__icontains=word)
        by_name = Person.objects.filter(user_id__in=named.values("pk")).order_by().values("pk")
        found = found.filter(pk__in=by_name.union(doing.order_by().values("pk")))
    ranked: QuerySet[Any] = found.annotate(rank=Value(0.0, output_field=FloatField()))
    return ranked


def _shape_people(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    shaped: QuerySet[Any] = rows.select_related("user").annotate(
        hl_title=Concat(F("user__first_name"), Value(" "), F("user__last_name")),
        hl_text=F("function"),
    )
    return shaped


# --- Discussions: the posts, and a thread's title finds its opening post ------------------------

THREAD_FIELDS = ("title",)
POST_FIELDS = ("body",)
TITLED = 500


def _in_space(space: Space, prefix: str = "") -> Q:
    """Of the space, or of a project of the space (primary or further)."""
    further = Project.spaces.through.objects.filter(space=space).values("project_id")
    return (
        Q(**{f"{prefix}space": space})
        | Q(**{f"{prefix}project__primary_space": space})
        | Q(**{f"{prefix}project__in": further})
    )


def _posts(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    """Posts the viewer reads; hidden posts and hidden threads are not searched for anyone."""
    found = POST.restrict(Post.objects.all(), viewer, "view").filter(
        hidden_at__isnull=True, thread__hidden_at__isnull=True
    )
    if space is not None:
        found = found.filter(_in_space(space, "thread__"))
    # The threads whose title matches (one query, at most TITLED): their opening posts match.
    titled = list(
        match(Thread.objects.all(), THREAD_FIELDS, terms).values_list("pk", flat=True)[:TITLED]
    )
    also = Q(number=1, thread_id__in=titled) if titled else None
    return match(found, POST_FIELDS, terms, also=also, stored="search_vector")


def _shape_posts(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    rows = rows.select_related("thread__space", "thread__project", "author")
    return with_highlights(rows, terms, title="thread__title", text="body")


def _post_meta(post: Post) -> str:
    thread = post.thread
    where = thread.space.name if thread.space is not None else str(thread.project)
    return f"{where} · {format_date(post.created_at)}"


# --- Meetings -----------------------------------------------------------------------------------

MEETING_FIELDS = ("title", "place", "agenda")


def _meetings(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    found = visible_meetings(viewer)
    if space is not None:
        found = found.filter(space=space)
    return match(found, MEETING_FIELDS, terms)


def _shape_meetings(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    return with_highlights(rows.select_related("space"), terms, title="title", text="agenda")


def _meeting_meta(meeting: Meeting) -> str:
    return f"{meeting.space.name} · {format_datetime(meeting.starts_at)}"


# --- Documents ----------------------------------------------------------------------------------

DOCUMENT_FIELDS = ("title", "description")


def _documents(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    found = visible_documents(viewer)
    if space is not None:
        found = found.filter(_in_space(space))
    return match(found, DOCUMENT_FIELDS, terms)


def _shape_documents(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    rows = rows.select_related("space", "project")
    return with_highlights(rows, terms, title="title", text="description")


def _document_meta(document: Document) -> str:
    return document.space.name if document.space is not None else str(document.project)


# --- The strategy: goals and measures ------------------------------------------------------------

STRATEGY_FIELDS = ("code", "title", "description")


def _goals(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    found = Goal.objects.visible_to(viewer)
    if space is not None:
        found = found.filter(space=space)
    return match(found, STRATEGY_FIELDS, terms)


def _measures(viewer: Viewer, terms: Terms, space: Space | None) -> QuerySet[Any]:
    found = Measure.objects.visible_to(viewer)
    if space is not None:
        found = found.filter(goal__space=space)
    return match(found, STRATEGY_FIELDS, terms)


def _shape_goals(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    return with_highlights(rows.select_related("space"), terms, title="title", text="description")


def _shape_measures(rows: QuerySet[Any], terms: Terms) -> QuerySet[Any]:
    rows = rows.select_related("goal__space", "lead_authority")
    return with_highlights(rows, terms, title="title", text="description")


PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    PROVIDERS[provider.key] = provider


register(
    Provider(
        "spaces",
        _("Digitale Räume"),
        _spaces,
        _shape_spaces,
        url=lambda s: s.get_absolute_url(),
    )
)
register(
    Provider(
        "projects",
        _("Projekte"),
        _projects,
        _shape_projects,
        url=lambda p: p.get_absolute_url(),
        meta=_project_meta,
    )
)
register(
    Provider(
        "people",
        _("Personen"),
        _people,
        _shape_people,
        url=lambda p: reverse("spaces:person", kwargs={"pk": p.pk}),
    )
)
register(
    Provider(
        "discussions",
        _("Diskussionen"),
        _posts,
        _shape_posts,
        url=lambda p: p.get_absolute_url(),
        meta=_post_meta,
    )
)
register(
    Provider(
        "meetings",
        _("Termine"),
        _meetings,
        _shape_meetings,
        url=lambda m: m.get_absolute_url(),
        meta=_meeting_meta,
    )
)
register(
    Provider(
        "goals",
        _("Ziele der Strategie"),
        _goals,
        _shape_goals,
        url=lambda g: g.get_absolute_url(),
        meta=lambda g: f"{g.code} · {g.space.name}",
    )
)
register(
    Provider(
        "measures",
        _("Maßnahmen der Strategie"),
        _measures,
        _shape_measures,
        url=lambda m: m.get_absolute_url(),
        meta=lambda m: f"{m.code} · {m.goal.space.name} · {m.lead_authority.code}",
    )
)
register(
    Provider(
        "documents",
        _("Dokumente"),
        _documents,
        _shape_documents,
        url=lambda d: reverse("documents:detail", kwargs={"pk": d.pk}),
        meta=_document_meta,
    )
)
