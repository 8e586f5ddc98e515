"""What every signed-in request asks of its account, read in one query with the account.

The layout, the session checks and the rule tables ask the same things of the account on every
page: its profile's authority (the audience, and whether its access hangs on invitations), its
active memberships, officer roles and project invitations (the role facts each app keeps on
the user object for the request) and the number of unread notices in the bell. Read one by one
these were up to five queries besides the account's own row before a page had done anything
of its own; here they are one, the account's row with subqueries built from each app's own
query (`memberships_of`, `officer_roles_of`, `project_invitations_of`, `unread_of`), so the
rules stay where they are and nothing is cached across requests (nothing to keep exact). The
authentication backends (portal.backends) load the signed-in account with `load_account`.

Building that query with the ORM cost more than the four round trips it saves (about 8 ms of
Python per request on the bench machine against 0.3 ms in PostgreSQL), so its SQL is compiled
once a day per process, for a stand-in account, and run with the account's id in its place,
as a statement prepared once per connection (core.prepared). The date is part of the
statement's parameters (a role runs from `since` to `until`), hence compiled once a day.

PostgreSQL only (arrays of a subquery); on the SQLite of `make run` the backends load the
account as Django does and every fact is read on its own when first asked.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import CharField, Func, IntegerField, Subquery, Value
from django.db.models.functions import Cast, Concat

from contacts.models import Person, User
from contacts.permissions import officer_roles_of, remember_officer_authority_ids
from core.dates import today
from core.prepared import fetch_one
from notifications.selectors import remember_unread_count, unread_of
from projects.permissions import project_invitations_of, remember_invited_project_ids
from spaces.permissions import memberships_of, remember_space_roles

# Stands for the account's id in the compiled statement (no account has it: ids are positive).
_STAND_IN = -2_000_000_011


class _Count(Func):
    """COUNT(*) as a plain function, so a subquery counts without a GROUP BY."""

    function = "COUNT"
    template = "%(function)s(*)"
    output_field = IntegerField()


# The account's own columns, in the model's order (what `User.from_db` takes).
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)


@functools.lru_cache(maxsize=2)
def _statement(day: dt.date) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
    """The query's SQL and parameters for `day`, and where the account's id goes in them."""
    stand_in = User(pk=_STAND_IN, is_active=True)
    query = (
        User.objects.filter(pk=_STAND_IN)
        .annotate(
            space_roles=ArraySubquery(
                memberships_of(stand_in)
                .order_by()
                .values(pair=Concat(Cast("space_id", CharField()), Value(":"), "role"))
            ),
            officer_of=ArraySubquery(officer_roles_of(stand_in).order_by().values("authority_id")),
            guest_of=ArraySubquery(
                project_invitations_of(stand_in).order_by().values("project_id")
            ),
            unread=Subquery(unread_of(stand_in).order_by().values(n=_Count())),
        )
        .order_by()
        .values_list(
            *_USER_FIELDS,
            "person__id",
            "person__authority_id",
            "space_roles",
            "officer_of",
            "guest_of",
            "unread",
        )
    )
    sql, params = query.query.sql_with_params()
    places = tuple(i for i, p in enumerate(params) if p == _STAND_IN)
    return sql, tuple(params), places


def reads_facts_at_once() -> bool:
    """Whether accounts are read with their facts in one query (PostgreSQL; elsewhere each app
    reads its facts when first asked)."""
    return connection.vendor == "postgresql"


def _row(user_id: int) -> tuple[Any, ...] | None:
    sql, params, places = _statement(today())
    values = list(params)
    for i in places:
        values[i] = user_id
    return fetch_one(sql, values)


def _remember(user: User, facts: tuple[Any, ...]) -> None:
    person_id, authority_id, pairs, officer_of, guest_of, unread = facts
    # The profile as select_related would leave it, with only what the rules read loaded (any
    # other field is read from the database when first asked, as Django defers fields); none:
    # `user.person` raises as it would after a select_related that found no profile.
    person = None
    if person_id is not None:
        person = Person.from_db(
            connection.alias, ["id", "user_id", "authority_id"], [person_id, user.pk, authority_id]
        )
        person._state.fields_cache["user"] = user
    user._state.fields_cache["person"] = person
    roles: dict[int, str] = {}
    for pair in pairs:
        space_id, role = pair.split(":", 1)
        roles[int(space_id)] = role
    remember_space_roles(user, roles)
    remember_officer_authority_ids(user, officer_of)
    remember_invited_project_ids(user, guest_of)
    remember_unread_count(user, unread)


def load_account(user_id: int) -> User | None:
    """The account with this id and its facts for the request, in one query (None: no such
    account). The authentication backends (portal.backends) load the signed-in account so."""
    row = _row(user_id)
    if row is None:
        return None
    n = len(_USER_FIELDS)
    user = User.from_db(connection.alias, list(_USER_FIELDS), list(row[:n]))
    _remember(user, row[n:])
    return user


def preload_account_facts(user: User) -> None:
    """Read the account's authority, role facts and unread count in one query and keep them on
    `user` for the request (each app's fact function then answers from it)."""
    if not reads_facts_at_once() or not (user.is_authenticated and user.is_active):
        return
    row = _row(user.pk)
    if row is not None:
        _remember(user, row[len(_USER_FIELDS) :])
