"""Statements planned once per connection (core.prepared) and the session store that uses
them (core.sessions): the same rows as plain SQL, plain SQL wherever a connection may not be
one server connection, and a new connection prepares afresh."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import User
from core import prepared
from core.sessions import SessionStore

from .conftest import client_for

SQL = "SELECT %s::int + 1, 'a%%b', %s::text"


def _fetch(settings_dict: dict | None = None) -> tuple[tuple | None, list[str]]:
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(settings_dict or {})
    try:
        with CaptureQueriesContext(connection) as ctx:
            row = prepared.fetch_one(SQL, [41, "x"])
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    return row, [q["sql"] for q in ctx.captured_queries]


def test_a_prepared_statement_gives_what_plain_sql_gives(db):
    with connection.cursor() as cursor:
        cursor.execute(SQL, [41, "x"])
        plain = cursor.fetchone()
    for _ in range(3):  # prepared at the first call, then executed
        row, sql = _fetch({"CONN_MAX_AGE": 60, "DISABLE_SERVER_SIDE_CURSORS": False})
        assert row == plain == (42, "a%b", "x")
        assert len(sql) == 1 and sql[0].startswith("EXECUTE portal_")
    assert prepared._numbered(SQL) == "SELECT $1::int + 1, 'a%b', $2::text"


@pytest.mark.parametrize(
    "settings_dict",
    [
        {"CONN_MAX_AGE": 0},  # a connection per request: preparing would cost, not save
        {"CONN_MAX_AGE": 60, "DISABLE_SERVER_SIDE_CURSORS": True},  # PgBouncer (transactions)
    ],
)
def test_plain_sql_where_a_connection_is_not_one_server_connection(db, settings_dict):
    row, sql = _fetch(settings_dict)
    assert row == (42, "a%b", "x")
    assert sql == ["SELECT 41::int + 1, 'a%b', 'x'::text"]


def test_a_new_connection_prepares_afresh(db):
    live = {"CONN_MAX_AGE": 60, "DISABLE_SERVER_SIDE_CURSORS": False}
    assert _fetch(live)[0] == (42, "a%b", "x")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'portal_%%'")
        assert cursor.fetchone()[0] >= 1
    wrapper = connections["default"]
    old = wrapper.__dict__[prepared._REGISTRY]["token"]
    # What a failed-over database or a closed connection leaves: a server connection without
    # the statement (discarded here on the same connection, which must not trip anyone).
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared._new_connection(sender=None, connection=wrapper)
    assert wrapper.__dict__[prepared._REGISTRY]["token"] != old
    assert _fetch(live)[0] == (42, "a%b", "x")


def test_each_threads_connection_keeps_its_own_statements(db):
    """Threads have connections of their own (a live server's, a worker's): a statement
    prepared on one is never taken for prepared on another."""
    live = {"CONN_MAX_AGE": 60, "DISABLE_SERVER_SIDE_CURSORS": False}
    assert _fetch(live)[0] == (42, "a%b", "x")  # prepared on this thread's connection
    found = []

    def other_thread() -> None:
        try:
            found.append(_fetch(live)[0])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            found.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert found == [(42, "a%b", "x")]


def _session_for(user: User, **values: object) -> SessionStore:
    store = SessionStore()
    store.update({"_auth_user_id": str(user.pk), **values})
    store.create()
    return store


def test_the_session_store_reads_what_djangos_reads(member):
    store = _session_for(member, note="ä €")
    loaded = SessionStore(store.session_key)
    assert loaded.load() == {"_auth_user_id": str(member.pk), "note": "ä €"}
    assert SessionStore("no-such-key-0123456789").load() == {}


def test_an_expired_session_is_not_read(member):
    store = _session_for(member)
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    fresh = SessionStore(store.session_key)
    assert fresh.load() == {}
    assert fresh.session_key is None


def test_an_ended_session_is_signed_out_at_its_next_request(member):
    """allauth's "end this session" (and every ending, which goes through UserSession.end)
    deletes the row; nothing else keeps the session, so its next request is anonymous."""
    client = client_for(member)
    assert client.get(reverse("notifications:list")).status_code == 200
    UserSession.objects.get(session_key=client.session.session_key).end()
    assert client.get(reverse("notifications:list")).status_code == 302
