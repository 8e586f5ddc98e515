"""The space page as a home: what the apps above `spaces` show on it.

`spaces` is below projects, discussions, meetings and documents, so it cannot import them. Each
of those apps registers, in its AppConfig.ready(), a section (its projects, the next meetings,
recent threads, recent documents) and a source of activity. The space page asks each for what
the viewer may see; each source scopes its own queryset and makes a fixed number of queries,
however many rows there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from core.audiences import Viewer

    from .models import Space

SECTION_LIMIT = 5
ACTIVITY_LIMIT = 20


@dataclass(frozen=True)
class Activity:
    """One line of a space's activity stream."""

    when: dt.datetime
    kind: str  # project, status, health, post, meeting, document, member
    text: str  # translated, e.g. "Neues Dokument: Protokoll März"
    url: str = ""
    actor: str = ""  # the display name of who did it ("" when not to be shown)


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    template: str  # rendered with `items`, `space` (or `project`) and `section`
    # (viewer, the space, or the project on a project's page (projects.page), limit)
    items: Callable[[Viewer, Any, int], Sequence[Any]]
    order: int = 100
    # An optional link to everything of this kind in the space or project (e.g. all meetings),
    # shown to the viewers `may_open(viewer, obj)` lets through: the same rule as that page's
    # view, so nobody follows it to a sign-in or a 403 (None: whoever sees the section).
    more_url: Callable[[Any], str] | None = None
    may_open: Callable[[Viewer, Any], bool] | None = None


ActivitySource = Callable[["Viewer", "Space", int], Sequence[Activity]]

SECTIONS: dict[str, Section] = {}
ACTIVITY_SOURCES: dict[str, ActivitySource] = {}


def register_section(section: Section) -> None:
    SECTIONS[section.key] = section


def register_activity(key: str, source: ActivitySource) -> None:
    ACTIVITY_SOURCES[key] = source


@dataclass(frozen=True)
class ManageLink:
    """A page of a higher app that those who manage a space reach from its pages (access: invite a
    person, the space's invitations). Shown where the space page shows "Mitglied hinzufügen":
    the viewer may manage the space, which the linked page checks again with its own rule."""

    key: str
    label: str | Promise
    url: Callable[[Space], str]
    primary: bool = False


MANAGE_LINKS: dict[str, ManageLink] = {}


def register_manage_link(link: ManageLink) -> None:
    MANAGE_LINKS[link.key] = link


def manage_links(space: Space) -> list[tuple[ManageLink, str]]:
    """(link, its address for this space), in the order the apps registered them."""
    return [(link, link.url(space)) for link in MANAGE_LINKS.values()]


def manage_link_url(space: Space, key: str) -> str:
    """The address of one registered link for this space; "" where no app offers it."""
    link = MANAGE_LINKS.get(key)
    return link.url(space) if link else ""


@dataclass
class ShownSection:
    section: Section
    items: Sequence[Any]
    more_url: str = ""


@dataclass
class Home:
    sections: list[ShownSection] = field(default_factory=list)
    activity: list[Activity] = field(default_factory=list)


def shown_sections(sections: dict[str, Section], viewer: Viewer, obj: Any) -> list[ShownSection]:
    """Each registered section, in order, with what the viewer may see of `obj` (a space here,
    a project on a project's page)."""
    shown = []
    for section in sorted(sections.values(), key=lambda s: (s.order, s.key)):
        opens = section.may_open is None or section.may_open(viewer, obj)
        more = section.more_url(obj) if section.more_url and opens else ""
        shown.append(ShownSection(section, list(section.items(viewer, obj, SECTION_LIMIT)), more))
    return shown


def home(viewer: Viewer, space: Space) -> Home:
    """The registered sections with what the viewer may see, and the newest activity."""
    shown = Home(sections=shown_sections(SECTIONS, viewer, space))
    items: list[Activity] = []
    for key in sorted(ACTIVITY_SOURCES):
        items.extend(ACTIVITY_SOURCES[key](viewer, space, ACTIVITY_LIMIT))
    items.sort(key=lambda a: a.when, reverse=True)
    shown.activity = items[:ACTIVITY_LIMIT]
    return shown
