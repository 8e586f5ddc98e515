"""Who may see and do what with the meetings of a space (docs/access.md, "meetings").

- Schedule, edit, cancel a meeting and write its minutes: ITD and the space's coordinators.
- See a meeting: ITD, the space's coordinators, and the people invited to it while they
  belong to the space (member or guest). A guest thus sees only meetings of the space they
  were invited to, and there only those they are invited to; a person who left the space no
  longer sees its meetings. Everyone else: the meeting does not exist (404).
- Answer: the invitees who see the meeting (not after it was cancelled: the service says so).
- The meetings page of a space: ITD and the people of the space (it lists what each may see).
- The files of the agenda and the minutes: downloaded by whoever sees the meeting; added and
  removed by whoever runs it (the same people who write the agenda and the minutes).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core import rules
from core.audiences import ITD, SIGNED_IN, STAFF, Viewer, is_signed_in
from core.rules import AttrIn, InSubquery, RuleTable, Via
from spaces.permissions import coordinated_space_ids, member_space_ids

from .models import Invitee, Meeting, MeetingFile


def invited_meeting_ids(user: Viewer) -> QuerySet[Any]:
    """The meetings the user is invited to (a subquery in SQL)."""
    if not is_signed_in(user):
        return Invitee.objects.none().values_list("meeting_id", flat=True)
    return Invitee.objects.filter(person__user_id=user.pk).values_list("meeting_id", flat=True)


COORDINATES = STAFF & AttrIn("space_id", coordinated_space_ids)
IN_THE_SPACE = AttrIn("space_id", member_space_ids)
INVITED = InSubquery("pk", invited_meeting_ids, "invited") & IN_THE_SPACE

MEETING = RuleTable(
    Meeting,
    {
        "view": ITD | COORDINATES | INVITED,
        "manage": ITD | COORDINATES,
        "answer": INVITED,
        # The meetings page of the meeting's space (checked on Meeting(space=space)).
        "list": ITD | IN_THE_SPACE,
    },
)

MEETING_FILE = RuleTable(
    MeetingFile,
    {
        "view": Via("meeting", "view"),
        "manage": Via("meeting", "manage"),
    },
)

GLOBAL = RuleTable(
    None,
    {
        # "Meine Termine" and the personal calendar feed.
        "view_mine": SIGNED_IN,
        "feed": SIGNED_IN,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)


def may_schedule(user: Viewer, space: Any) -> bool:
    """May `user` schedule a meeting in `space` (the rule for managing one of its meetings)?"""
    return MEETING.can(user, "manage", Meeting(space=space))


def may_list(user: Viewer, space: Any) -> bool:
    return MEETING.can(user, "list", Meeting(space=space))
