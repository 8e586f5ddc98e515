"""Who sees and does what with Leichte Sprache and DGS (docs/access.md, "Leichte Sprache und
Gebärdensprache").

- Everyone, citizens without an account too, reads the texts and watches the videos, and may
  ask for a translation (counted, no person stored).
- Only ITD edits the texts, records the test readers' sign-off, uploads videos and sees the
  sign-offs and the count of requests.
"""

from __future__ import annotations

from typing import Any

from core import rules
from core.audiences import ITD, Viewer
from core.rules import ANYONE, RuleTable

from .models import EasyText, RequestCount, SignOff, Video

EASY_TEXT = RuleTable(EasyText, {"view": ANYONE, "manage": ITD})
VIDEO = RuleTable(Video, {"view": ANYONE, "manage": ITD})
SIGN_OFF = RuleTable(SignOff, {"view": ITD})
REQUEST_COUNT = RuleTable(RequestCount, {"view": ITD})

GLOBAL = RuleTable(None, {"manage": ITD})


def can(user: Viewer, action: str, obj: Any = None) -> bool:
    return GLOBAL.can(user, action) if obj is None else rules.can(user, action, obj)
