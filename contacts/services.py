"""Writes about accounts and people."""

from __future__ import annotations

from allauth.usersessions.models import UserSession

from core.models import SecurityEvent
from core.services import security_log


def user_sessions_end(*, user, keep_session_key: str | None = None, reason: str = "") -> int:
    """End every session of an account (but `keep_session_key`); returns how many ended."""
    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(
        session_key=keep_session_key or ""
    ):
        session.end()
        ended += 1
    if ended:
        security_log(kind=SecurityEvent.Kind.SESSIONS_ENDED, user=user, count=ended, reason=reason)
    return ended
