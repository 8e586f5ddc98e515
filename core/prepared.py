"""Statements every signed-in request runs, planned once per database connection.

Reading the session and the account are two small statements on every signed-in page; for
such statements PostgreSQL spends longer planning than executing (the account's facts: 0.5 ms
of planning, 0.15 ms of execution on the bench data). A prepared statement is planned once per
connection and then only executed (`PREPARE` / `EXECUTE`), so each request saves the planning.

A prepared statement belongs to one server connection. It is used only where a Django
connection is one server connection for its lifetime: persistent connections
(`CONN_MAX_AGE` not 0) on PostgreSQL, and not through a transaction pooler (PgBouncer in
transaction mode hands each transaction another server connection; such deployments set
`DISABLE_SERVER_SIDE_CURSORS`, see settings). Everywhere else the same SQL runs as it is.

The names are unique per connection (a random part chosen when the connection opens), so a
server connection that some pooler hands on with its statements still in it never meets a name
it did not prepare itself. `PREPARE` is not undone by a rollback, so a statement prepared in a
transaction that fails stays usable.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_PLACEHOLDER = re.compile(r"%(s|%)")
_REGISTRY = "_portal_prepared_statements"


def _numbered(sql: str) -> str:
    """Django's `%s` placeholders as PostgreSQL's `$1, $2, …` (and `%%` as `%`)."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda m: f"${next(counter)}" if m.group(1) == "s" else "%", sql)


def _prepares(connection: Any) -> bool:
    settings = connection.settings_dict
    return (
        connection.vendor == "postgresql"
        and settings.get("CONN_MAX_AGE") != 0
        and not settings.get("DISABLE_SERVER_SIDE_CURSORS")
    )


@receiver(connection_created)
def _new_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    """A new server connection holds no prepared statements: start a new registry for it."""
    connection.__dict__[_REGISTRY] = {"token": secrets.token_hex(4)}


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of `sql` (Django's placeholder style) with `params`, prepared once per
    connection where that is safe (see the module's docstring)."""
    # The connection of this thread itself (`django.db.connection` is a proxy shared by all
    # threads: the registry must live on the connection it describes).
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if not _prepares(connection):
            cursor.execute(sql, params)
            return cursor.fetchone()
        registry = connection.__dict__.setdefault(_REGISTRY, {"token": secrets.token_hex(4)})
        name = registry.get(sql)
        if name is None:
            name = f"portal_{registry['token']}_{len(registry)}"
            # Past Django's query log (the raw cursor): the query counts of a page count what
            # each request runs, and this runs once per connection.
            with connection.wrap_database_errors:
                cursor.cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
            registry[sql] = name
        if params:
            cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
        else:
            cursor.execute(f"EXECUTE {name}")
        return cursor.fetchone()
