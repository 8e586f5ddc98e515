"""What the apps above `projects` show on a project's page (its discussions, its documents).

The same shape as the space page's registry (`spaces.home`): an app registers a `Section` in
its AppConfig.ready(); `items(viewer, project, limit)` returns at most `limit` things the viewer
may see, in a fixed number of queries. The project page renders each with its template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spaces.home import SECTION_LIMIT, Section, ShownSection

if TYPE_CHECKING:
    from core.audiences import Viewer

    from .models import Project

PROJECT_SECTIONS: dict[str, Section] = {}


def register_project_section(section: Section) -> None:
    """`section.items` and `section.more_url` take the project where the space page's take the
    space."""
    PROJECT_SECTIONS[section.key] = section


def sections(viewer: Viewer, project: Project) -> list[ShownSection]:
    shown = []
    for section in sorted(PROJECT_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        more = section.more_url(project) if section.more_url else ""
        items = section.items(viewer, project, SECTION_LIMIT)
        shown.append(ShownSection(section, list(items), more))
    return shown
