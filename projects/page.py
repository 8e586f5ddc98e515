"""What the apps above `projects` show on a project's page (its discussions, its documents).

The same shape as the space page's registry (`spaces.home`): an app registers a `Section` in
its AppConfig.ready(); `items(viewer, project, limit)` returns at most `limit` things the viewer
may see, in a fixed number of queries. The project page renders each with its template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spaces.home import Section, ShownSection, shown_sections

if TYPE_CHECKING:
    from core.audiences import Viewer

    from .models import Project

PROJECT_SECTIONS: dict[str, Section] = {}


def register_project_section(section: Section) -> None:
    """`section.items` and `section.more_url` take the project where the space page's take the
    space."""
    PROJECT_SECTIONS[section.key] = section


def sections(viewer: Viewer, project: Project) -> list[ShownSection]:
    return shown_sections(PROJECT_SECTIONS, viewer, project)
