"""Who sees and does what with open data (docs/access.md, "Open data").

- A publication that is not withdrawn is public: everyone, citizens without an account too,
  sees it on /open-data/, in the catalog and as files.
- Only ITD marks a dataset as published, changes its category or withdraws it; ITD sees the
  withdrawn ones on its page as well.
"""

from __future__ import annotations

from typing import Any

from core import rules
from core.audiences import ITD, Viewer
from core.rules import ANYONE, Attr, RuleTable

from .models import Publication

LIVE = Attr("withdrawn_at", None)

PUBLICATION = RuleTable(
    Publication,
    {
        "view": ANYONE & LIVE,
        "manage": ITD,
    },
)

GLOBAL = RuleTable(None, {"manage": ITD})


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)
