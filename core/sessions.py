"""The session store: Django's database sessions, read with a statement planned once per
connection (core.prepared).

Every signed-in request reads its session row first. Through the ORM that costs about twice
what PostgreSQL needs to find the row (building the query, planning it); here the same
`SELECT` is prepared once per connection and executed with the key and the time. Writing,
ending and clearing sessions are Django's own, unchanged, so a session ended anywhere (sign-out,
"end all other sessions", an account switched off) is gone for the next request: nothing is
kept outside the database. Other databases than PostgreSQL read through the ORM as before.
"""

from __future__ import annotations

import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from .prepared import fetch_one

_STAND_IN = "stand-in-session-key"


@functools.cache
def _statement() -> tuple[str, bool]:
    """The SQL, and whether the key is its first parameter (the time is the other)."""
    query = Session.objects.filter(session_key=_STAND_IN, expire_date__gt=timezone.now())
    sql, params = query.values_list("session_data", "expire_date").query.sql_with_params()
    assert len(params) == 2 and _STAND_IN in params
    return sql, params[0] == _STAND_IN


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if key is None or connection.vendor != "postgresql" or Session is not self.model:
            return super()._get_session_from_db()  # type: ignore[misc]
        sql, key_first = _statement()
        now = timezone.now()
        row = fetch_one(sql, [key, now] if key_first else [now, key])
        if row is None:
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0], expire_date=row[1])
