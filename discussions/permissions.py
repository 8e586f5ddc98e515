"""Who reads, writes and moderates which discussion (docs/access.md, "Discussions").

- A thread of a space: ITD and everyone with an active membership of the space (coordinators,
  members, guests: "guests read and write in the space they were invited to"). Staff without a
  membership (other staff, officers of other spaces) do not; visitors never.
- A thread of a project: those who may see the project AND take part in it: ITD, its own people
  (coordinators and members of its primary or a further space, officers of its lead or a
  participating authority), guests of its spaces who may see it (public or internal projects),
  and guests invited to the project itself. Other staff may see an internal project, but do not
  take part in its discussions.
- Moderation (hide with a reason, lock): ITD and the coordinators of the thread's space (for a
  project thread: of the project's primary space).
- Editing: the author, their own post only, while it is not hidden and the thread is open.
"""

from __future__ import annotations

from typing import Any

from core import rules
from core.audiences import ITD, STAFF, Viewer
from core.rules import Attr, AttrIn, RuleTable, Self, Through, Via
from projects.permissions import PROJECT
from spaces.permissions import coordinated_space_ids, member_space_ids

from .models import Post, Thread

# On a Space: ITD and its members in every role (guests included).
DISCUSSES_IN_SPACE = ITD | AttrIn("pk", member_space_ids)

# On a Project: who takes part in it (projects' PROJECT "take_part").
DISCUSSES_ON_PROJECT = PROJECT.rule("take_part")

READS = Through("space", DISCUSSES_IN_SPACE) | Through("project", DISCUSSES_ON_PROJECT)
MODERATES = READS & (
    ITD
    | (
        STAFF
        & (
            AttrIn("space_id", coordinated_space_ids)
            | AttrIn("project__primary_space_id", coordinated_space_ids)
        )
    )
)
OPEN = Attr("hidden_at", None) & Attr("locked_at", None)

THREAD = RuleTable(
    Thread,
    {
        "view": READS,
        # A reply: to an open thread (not hidden, not locked).
        "reply": READS & OPEN,
        "follow": READS,
        # Hide or show again, lock or open, read what is hidden and the earlier versions.
        "moderate": MODERATES,
    },
)

POST = RuleTable(
    Post,
    {
        "view": Via("thread", "view"),
        # One's own post in a thread one may read (the edit page tells its author why an edit
        # is refused: hidden by a moderator, the thread locked).
        "own": Self("author_id") & Via("thread", "view"),
        # One's own post, while the thread is open and the post is not hidden.
        "edit": Self("author_id") & Attr("hidden_at", None) & Via("thread", "reply"),
        "moderate": Via("thread", "moderate"),
    },
)


def may_discuss_in_space(user: Viewer, space: Any) -> bool:
    """Read the space's threads and start one (the rule of its threads, on the space)."""
    return DISCUSSES_IN_SPACE.test(user, space)


def may_discuss_on_project(user: Viewer, project: Any) -> bool:
    return DISCUSSES_ON_PROJECT.test(user, project)


def may_discuss(user: Viewer, where: Any) -> bool:
    """On a space or a project (whichever `where` is)."""
    if where._meta.model_name == "space":
        return may_discuss_in_space(user, where)
    return may_discuss_on_project(user, where)


def can(user: Viewer, action: str, obj: Any) -> bool:
    return rules.can(user, action, obj)
