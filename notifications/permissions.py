"""Who sees which notices: one's own; ITD sees the failed ones to retry them."""

from __future__ import annotations

from typing import Any

from core import rules
from core.audiences import ITD, SIGNED_IN, Viewer
from core.rules import RuleTable, Self

from .models import Notification

NOTIFICATION = RuleTable(
    Notification,
    {
        "view": Self("recipient_id"),
        "mark_read": Self("recipient_id"),
    },
)

GLOBAL = RuleTable(
    None,
    {
        "view_centre": SIGNED_IN,
        "view_failed": ITD,
        # Send failed notices and digests again (one or all of them).
        "retry_failed": ITD,
    },
)


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)
