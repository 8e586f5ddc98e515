"""Who may use what the core itself offers: the admin site (ITD's tool for reference data and
the logs)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .audiences import ITD, Viewer
from .rules import RuleTable, UserRule

# Django's own flag as well: an ITD account ITD has not let into the admin stays out.
ADMIN_FLAG = UserRule(
    lambda user: bool(getattr(user, "is_staff", False)), "admin flag", lambda: Q(is_staff=True)
)

GLOBAL = RuleTable(None, {"use_admin": ITD & ADMIN_FLAG})


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    if obj is not None:
        raise TypeError("core's actions are on no object")
    return GLOBAL.can(user, action)
