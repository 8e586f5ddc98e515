"""What the discussions show on the space page (spaces.home) and the project page
(projects.page): the recent threads, and a line per new post in the space's activity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audiences import Viewer
from projects.page import register_project_section
from spaces.home import Activity, Section, register_activity, register_section

from . import selectors
from .permissions import may_discuss_in_space, may_discuss_on_project


def _threads(viewer: Viewer, where: Any, limit: int) -> Sequence[Any]:
    # One query for every signed-in viewer (the scope leaves out what they may not read), none
    # for visitors: the same count whoever may read how much.
    return selectors.recent_threads(viewer, where, limit)


def _activity(viewer: Viewer, space: Any, limit: int) -> Sequence[Activity]:
    return [
        Activity(
            when=post.created_at,
            kind="post",
            text=_("Neuer Beitrag: %(title)s") % {"title": post.thread.title},
            url=post.get_absolute_url(),
            actor=post.author.get_full_name() if post.author else "",
        )
        for post in selectors.recent_posts(viewer, space, limit)
    ]


def register() -> None:
    register_section(
        Section(
            key="discussions",
            title=gettext_lazy("Diskussionen"),
            template="discussions/partials/section.html",
            items=_threads,
            order=30,
            more_url=lambda space: reverse("discussions:space_threads", args=[space.slug]),
            may_open=may_discuss_in_space,
        )
    )
    register_activity("discussions", _activity)
    register_project_section(
        Section(
            key="discussions",
            title=gettext_lazy("Diskussionen"),
            template="discussions/partials/section.html",
            items=_threads,
            order=30,
            more_url=lambda project: reverse("discussions:project_threads", args=[project.slug]),
            may_open=may_discuss_on_project,
        )
    )
