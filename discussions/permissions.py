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
- Editing: the author, their own post only.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from core import rules
from core.audiences import EXTERNAL, ITD, STAFF, Viewer
from core.rules import EVERYTHING, AnyRelated, Attr, AttrIn, RuleTable, Self, Via
from projects.permissions import INVITED, OWN, PROJECT
from spaces.permissions import coordinated_space_ids, guest_space_ids, member_space_ids

from .models import Post, Thread


class Through(rules.Rule):
    """A rule about the object's parent (a foreign key), written on the parent's model: the
    thread's space is one the user discusses in. Like core.rules.Via, but with a rule of this
    app instead of an action of the parent's table."""

    def __init__(self, path: str, rule: rules.Rule) -> None:
        self.path, self.rule = path, rule
        self.label = f"{path}: {rule.label}"

    def q(self, user: Viewer, model: type[models.Model]) -> rules.Condition:
        parent = model._meta.get_field(self.path).related_model
        assert isinstance(parent, type) and issubclass(parent, models.Model), self.path
        condition = self.rule.q(user, parent)
        if condition is None:
            return None
        if condition == EVERYTHING:
            return Q(**{f"{self.path}__isnull": False})
        return Q(**{f"{self.path}__in": parent._default_manager.filter(condition).values("pk")})

    def test(self, user: Viewer, obj: Any) -> bool:
        parent = getattr(obj, self.path)
        return parent is not None and self.rule.test(user, parent)


# On a Space: ITD and its members in every role (guests included).
DISCUSSES_IN_SPACE = ITD | AttrIn("pk", member_space_ids)

# On a Project: who takes part in it (the project's own people, its guests, guests of its
# spaces), within who may see it (a guest of a space sees its restricted projects only when
# invited to the very project).
_GUEST_OF_ITS_SPACES = EXTERNAL & (
    AttrIn("primary_space_id", guest_space_ids) | AnyRelated("spaces", guest_space_ids)
)
TAKES_PART = ITD | OWN | INVITED | _GUEST_OF_ITS_SPACES
DISCUSSES_ON_PROJECT = PROJECT.rule("view") & TAKES_PART

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
