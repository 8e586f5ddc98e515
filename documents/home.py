"""What the space page and a project's page show of documents (spaces.home, projects.page)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects.page import register_project_section
from spaces.home import Section, register_activity, register_section

from . import selectors
from .permissions import PROJECT_PEOPLE, SPACE_READERS


def _space_url(space: Any) -> str:
    return reverse("documents:space", args=[space.slug])


def _project_url(project: Any) -> str:
    return reverse("documents:project", args=[project.slug])


def register() -> None:
    register_section(
        Section(
            key="documents",
            title=_("Dokumente"),
            template="documents/partials/section.html",
            items=selectors.recent,
            order=40,
            more_url=_space_url,
            may_open=SPACE_READERS.test,
        )
    )
    register_activity("documents", selectors.activity)
    register_project_section(
        Section(
            key="documents",
            title=_("Dokumente"),
            template="documents/partials/section.html",
            items=selectors.recent,
            order=40,
            more_url=_project_url,
            may_open=PROJECT_PEOPLE.test,
        )
    )
