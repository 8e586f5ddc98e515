"""Who may see, add to and delete which document (the access matrix, docs/access.md).

- A space's documents: seen by those who see the space's members (ITD, administration staff,
  guests of that space), added to by the people of the space (coordinators, members, guests)
  and ITD.
- A project's documents: seen and added to by those who may see the project and take part in
  it: ITD, its own people (the staff of its spaces, the officers of its lead and participating
  authorities), guests of its spaces (where they see the project) and guests invited to it.
  Other staff who merely see a public project do not see its working documents.
- Anonymous visitors never see a document.
- Deleting: whoever uploaded the document (while they still see it), the coordinators of its
  space (for a project: of its primary space) and ITD.
- A deleted document is seen by nobody (the retention job removes it later).

Adding a document is decided on an unsaved `Document(space=...)` or `Document(project=...)`, so
the rule is written once here and read by the upload page and the service alike.
"""

from __future__ import annotations

from core.audiences import ITD, STAFF, Viewer
from core.rules import Attr, AttrIn, RuleTable, Self, Through, Via
from projects.models import Project
from projects.permissions import PROJECT
from spaces.models import Space
from spaces.permissions import (
    SPACE,
    coordinated_space_ids,
    member_space_ids,
)

from .models import Document, DocumentVersion

# On a space.
SPACE_READERS = SPACE.rule("view_members")
SPACE_PEOPLE = ITD | AttrIn("pk", member_space_ids)
SPACE_COORDINATORS = ITD | (STAFF & AttrIn("pk", coordinated_space_ids))

# On a project: who takes part in it (projects' PROJECT "take_part").
PROJECT_PEOPLE = PROJECT.rule("take_part")
PROJECT_COORDINATORS = ITD | (STAFF & AttrIn("primary_space_id", coordinated_space_ids))

LIVE = Attr("deleted_at", None)
SEES = LIVE & (Through("space", SPACE_READERS) | Through("project", PROJECT_PEOPLE))
ADDS = Through("space", SPACE_PEOPLE & SPACE_READERS) | Through("project", PROJECT_PEOPLE)

DOCUMENT = RuleTable(
    Document,
    {
        "view": SEES,
        # A new document (on an unsaved Document) or a new version of this one.
        "add": LIVE & ADDS,
        "delete": SEES
        & (
            ITD
            | Self("created_by_id")
            | Through("space", SPACE_COORDINATORS)
            | Through("project", PROJECT_COORDINATORS)
        ),
    },
)
VERSION = RuleTable(DocumentVersion, {"view": Via("document", "view")})


def may_add(user: Viewer, container: Space | Project) -> bool:
    """May `user` add a document to this space or project?"""
    if isinstance(container, Space):
        return DOCUMENT.can(user, "add", Document(space=container))
    return DOCUMENT.can(user, "add", Document(project=container))


def can(user: Viewer, action: str, document: Document) -> bool:
    return DOCUMENT.can(user, action, document)
