"""What the space page (spaces.home) and the project page (projects.page) show of the
strategy: a space's goals with their computed status, the measures a project serves."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from projects.page import register_project_section
from spaces.home import Section, register_section

from . import selectors
from .permissions import READS_SPACE, may_read_space


def register() -> None:
    register_section(
        Section(
            key="strategy",
            title=gettext_lazy("Strategie des Raums"),
            template="strategy/partials/space_section.html",
            items=selectors.goals_of_space,
            order=15,
            more_url=lambda space: reverse("strategy:space", args=[space.slug]),
            may_open=may_read_space,
        )
    )
    register_project_section(
        Section(
            key="strategy",
            title=gettext_lazy("Beitrag zur Strategie"),
            template="strategy/partials/project_section.html",
            items=selectors.measures_of_project,
            order=15,
            # The project's primary space's strategy: who reads it there.
            more_url=lambda project: reverse("strategy:space", args=[project.primary_space.slug]),
            may_open=lambda viewer, project: READS_SPACE.test(viewer, project.primary_space),
        )
    )
