"""Who may hold, see and revoke personal API tokens (docs/api-tokens.md).

- Create: every signed-in account whose access is running, for itself only (an ended guest's
  account is refused, like its sign-in).
- See and revoke a token: its owner and ITD. Everyone else: the token does not exist (404).
- The list of every token: ITD.
"""

from __future__ import annotations

from typing import Any

from access.permissions import has_active_access
from core import rules
from core.audiences import ITD, Viewer, is_signed_in
from core.rules import RuleTable, Self, UserRule

from .models import ApiToken


def may_hold_tokens(user: Viewer) -> bool:
    """A signed-in account whose access runs (an invitation-bound account only while one of its
    memberships, officer roles or project invitations does)."""
    return is_signed_in(user) and has_active_access(user)


HOLDS_ACCESS = UserRule(may_hold_tokens, "signed in with running access")
OWNER = Self("owner_id")

API_TOKEN = RuleTable(
    ApiToken,
    {
        # The owner and ITD see a token (never its secret: only its hash is stored).
        "view": ITD | OWNER,
        # Revoking: the owner and ITD, at any time; nobody changes anything else of it.
        "revoke": ITD | OWNER,
    },
)

GLOBAL = RuleTable(
    None,
    {
        # A new token, always for oneself.
        "create": HOLDS_ACCESS,
        # Every token of every account, with its owner.
        "view_all": ITD,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)
