"""Who keeps the table of claims and roles: ITD. Everyone signed in sees which of their own
roles came from the identity provider (on the security page); the list of every such role is
ITD's."""

from __future__ import annotations

from typing import Any

from core import rules
from core.audiences import ITD, Viewer
from core.rules import RuleTable

from .models import ClaimRule

CLAIM_RULE = RuleTable(ClaimRule, {"view": ITD, "delete": ITD})

GLOBAL = RuleTable(
    None,
    {
        # The table itself: new rules, and every role the claims gave.
        "manage_claims": ITD,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)
