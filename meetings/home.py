"""What the space page (spaces.home) shows of the meetings: the next ones and new ones, each
only as the viewer may see it; one query each, however many meetings there are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spaces.home import Activity, Section, register_activity, register_section

from . import selectors
from .permissions import may_list

if TYPE_CHECKING:
    from core.audiences import Viewer
    from spaces.models import Space


def _more(space: Space) -> str:
    return reverse("meetings:space_list", kwargs={"slug": space.slug})


def activity(viewer: Viewer, space: Space, limit: int) -> Sequence[Activity]:
    return [
        Activity(
            when=meeting.created_at,
            kind="meeting",
            text=_("Termin angelegt: %(title)s") % {"title": meeting.title},
            url=meeting.get_absolute_url(),
            actor=meeting.created_by.get_full_name() if meeting.created_by else "",
        )
        for meeting in selectors.recently_created(viewer, space, limit)
    ]


def register() -> None:
    register_section(
        Section(
            key="meetings",
            title=gettext_lazy("Nächste Termine"),
            template="meetings/partials/home_section.html",
            items=selectors.upcoming_in_space,
            order=20,
            more_url=_more,
            may_open=may_list,
        )
    )
    register_activity("meetings", activity)
