"""The generic part of tests/test_robustness.py: mutations derived from Django form fields, the
database fingerprint, and the judgement of one answer.

A *request* is a URL name with its kwargs, a query and a POST body, each a dict of
name -> list of values (a list so that a name can be sent twice). A *mutation* changes exactly
one parameter of a valid request so that the request is certainly invalid: the candidates are
derived from the field's type, `required`, `max_length`, `min_value`/`max_value` and choices.
"""

from __future__ import annotations

import copy
import dataclasses
import traceback
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from django import forms
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter
from hypothesis import strategies as st

Values = tuple[str | bytes, ...]
Params = dict[str, list[str | bytes]]

# --- The request ----------------------------------------------------------------------------


@dataclasses.dataclass
class Request:
    url_name: str
    kwargs: dict[str, object]
    post: Params
    query: Params = dataclasses.field(default_factory=dict)
    # Uploads (a multipart body): field name -> [(file name, content)].
    files: dict[str, list[tuple[str, bytes]]] = dataclasses.field(default_factory=dict)

    def copy(self) -> Request:
        return copy.deepcopy(self)

    def path(self) -> str:
        path = reverse(self.url_name, kwargs=self.kwargs or None)
        if self.query:
            path += "?" + encode(self.query)
        return path

    def body(self) -> str | bytes:
        return encode_multipart(self.post, self.files) if self.files else encode(self.post)

    def content_type(self) -> str:
        if self.files:
            return f"multipart/form-data; boundary={BOUNDARY}"
        return "application/x-www-form-urlencoded"


def encode(params: Params) -> str:
    """application/x-www-form-urlencoded, in order, repeated names kept, bytes sent raw."""
    return urlencode([(name, value) for name, values in params.items() for value in values])


BOUNDARY = "RobustnessBoundary7MA4YWxkTrZu0gW"


def encode_multipart(params: Params, files: dict[str, list[tuple[str, bytes]]]) -> bytes:
    """multipart/form-data, written by hand so that a file name goes out exactly as given
    (Django's test client would strip its directory parts) and bytes are sent raw."""
    boundary = b"--" + BOUNDARY.encode()
    lines: list[bytes] = []
    for name, values in params.items():
        for value in values:
            raw = value if isinstance(value, bytes) else str(value).encode()
            disposition = f'Content-Disposition: form-data; name="{name}"'.encode()
            lines += [boundary, disposition, b"", raw]
    for name, items in files.items():
        for filename, content in items:
            disposition = (
                f'Content-Disposition: form-data; name="{name}"; filename="'.encode()
                + filename.encode("utf-8", "surrogateescape")
                + b'"'
            )
            lines += [
                boundary,
                disposition,
                b"Content-Type: application/octet-stream",
                b"",
                content,
            ]
    lines += [boundary + b"--", b""]
    return b"\r\n".join(lines)


def params(**values) -> Params:
    """params(a="1", b=["2", "3"]) -> {"a": ["1"], "b": ["2", "3"]}."""
    return {k: (list(v) if isinstance(v, list | tuple) else [v]) for k, v in values.items()}


# --- Mutations ------------------------------------------------------------------------------

C0_CONTROLS = tuple(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
INVALID_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80")
HUGE_NUMBER = str(10**20)
NO_SUCH_ID = "999999999"
HUGE_TEXT = 100_000
BAD_DATES = ("gestern", "2026-02-30", "0001-01-01", "9999-12-31", "31.02.2026", "2026-13-01")


@dataclasses.dataclass(frozen=True)
class Mutation:
    where: str  # "post", "query", "url" or "file" (values: file name and content)
    name: str
    kind: str
    values: Values | None  # None: the parameter is left out

    def apply(self, request: Request) -> Request:
        mutated = request.copy()
        if self.where == "file":
            if self.values is None:
                mutated.files.pop(self.name, None)
            else:
                filename, content = self.values
                raw = content if isinstance(content, bytes) else content.encode()
                mutated.files[self.name] = [(str(filename), raw)]
            return mutated
        if self.where == "url":
            assert self.values is not None  # an object in the address is replaced, never left out
            mutated.kwargs[self.name] = self.values[0]
            return mutated
        target = mutated.post if self.where == "post" else mutated.query
        if self.values is None:
            target.pop(self.name, None)
        else:
            target[self.name] = list(self.values)
        return mutated

    def describe(self) -> str:
        shown = "(left out)" if self.values is None else ", ".join(map(_short, self.values))
        return f"{self.where} {self.name}: {self.kind} = {shown}"


def _short(value: str | bytes) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…{text[-10:]} ({len(value)} chars)"


@dataclasses.dataclass(frozen=True)
class Family:
    """Mutations of one kind for one parameter; hypothesis draws one of `values`."""

    where: str
    name: str
    kind: str
    values: tuple[Values | None, ...]

    def strategy(self) -> st.SearchStrategy[Mutation]:
        return st.sampled_from(self.values).map(
            lambda v: Mutation(self.where, self.name, self.kind, v)
        )


def _pad(value: str, length: int) -> str:
    """`value` made `length` characters long, keeping its shape (e-mail stays an address)."""
    value = value or "x"
    missing = max(length - len(value), 1)
    if "@" in value:
        local, domain = value.rsplit("@", 1)
        return "x" * missing + local + "@" + domain
    return value + "x" * missing


def _insert(value: str, char: str) -> str:
    if not value:
        return f"a{char}b"
    middle = len(value) // 2
    return value[:middle] + char + value[middle:]


def _is_id(name: str) -> bool:
    """A hidden reference to a stored row or to the version read (line_id, version, ...)."""
    short = name.rsplit("-", 1)[-1]
    return short.endswith("_id") or short == "version"


def field_families(
    where: str,
    name: str,
    field: forms.Field,
    current: list[str],
    *,
    bounds: tuple[int | None, int | None] | None = None,
) -> list[Family]:
    """Every kind of certainly invalid value for `field`, posted as `name` (whose valid
    values are `current`)."""
    first = str(current[0]) if current else ""
    multiple = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
    families: list[Family] = []

    def add(kind: str, *values: Values | None) -> None:
        families.append(Family(where, name, kind, tuple(values)))

    def single(*values: str | bytes) -> tuple[Values, ...]:
        return tuple((v,) for v in values)

    # Any parameter: control characters and bytes that are not UTF-8 (answered 400 upstream).
    add("C0 control character", *single(*(_insert(first, c) for c in C0_CONTROLS)))
    add("invalid UTF-8", *single(*(first.encode() + b for b in INVALID_UTF8)))

    if field.required:
        add("required field left out", None)

    values: list[tuple[str, tuple[str, ...]]] = []  # (kind, values) that replace the value
    if isinstance(field, forms.BooleanField):
        if field.required:
            values.append(("required checkbox unticked", ("false", "")))
    elif isinstance(field, forms.ModelChoiceField):  # incl. ModelMultipleChoiceField
        to_field = field.to_field_name
        if to_field:
            values.append(("id of an object that does not exist", ("GIBTESNICHT", NO_SUCH_ID)))
        else:
            values.append(("id of an object that does not exist", (NO_SUCH_ID, "-1")))
            values.append(("text instead of an id", ("abc", "1.5")))
            values.append(("huge number as id", (HUGE_NUMBER,)))
    elif isinstance(field, forms.ChoiceField):  # incl. Typed-, MultipleChoice, ObjectChoice
        values.append(("unknown choice", ("gibt-es-nicht", NO_SUCH_ID)))
    elif isinstance(field, forms.DateField):
        values.append(("invalid date", BAD_DATES))
    elif isinstance(field, forms.IntegerField):
        low, high = bounds or (field.min_value, field.max_value)
        values.append(("text instead of a number", ("zwölf", "1e5", "12abc", "1,5")))
        if _is_id(name) and first:
            values.append(("id or version that does not exist", ("-1", NO_SUCH_ID, HUGE_NUMBER)))
        elif name.endswith("_id"):
            values.append(("id of an object that does not exist", (NO_SUCH_ID,)))
        else:
            if low is not None and low > -1:
                values.append(("negative number", ("-1",)))
            if high is not None:
                values.append(("huge number", (HUGE_NUMBER,)))
    elif isinstance(field, forms.DecimalField | forms.FloatField) or hasattr(
        field, "max_whole_digits"
    ):
        values.append(("text instead of a number", ("zwölf", "NaN", "1,2,3", "Infinity")))
        min_value = getattr(field, "min_value", None)
        refuses_negative = "negative" in getattr(field, "error_messages", {}) or (
            min_value is not None and min_value >= 0
        )
        if refuses_negative:
            values.append(("negative number", ("-1", "-0,01")))
        if any(getattr(field, a, None) is not None for a in ("max_whole_digits", "max_digits")):
            values.append(("huge number", (HUGE_NUMBER,)))
    elif isinstance(field, forms.CharField):  # incl. Email-, URL-, SlugField, passwords
        max_length = getattr(field, "max_length", None)
        lengths = (max_length + 1, HUGE_TEXT) if max_length else (HUGE_TEXT,)
        values.append(("string longer than allowed", tuple(_pad(first, n) for n in lengths)))
        values.append(("NUL character", (_insert(first, "\x00"),)))
        if field.required and getattr(field, "strip", False):
            values.append(("only white space in a required field", ("   ",)))
        if isinstance(field, forms.EmailField):
            values.append(("not an e-mail address", ("keine-adresse", "a@b@example.org")))
        if isinstance(field, forms.URLField):
            values.append(("not a web address", ("kein link", "javascript:alert(1)")))
        if isinstance(field, forms.SlugField):
            values.append(("not a slug", ("Kein Kurzname!", "ümlaut-slug")))
            if first != first.upper():
                values.append(("upper-case slug", (first.upper(),)))

    for kind, replacements in values:
        if multiple:
            add(kind, *((*current, r) for r in replacements))
        else:
            add(kind, *single(*replacements))
            # The same name twice, the junk value last (what Django's QueryDict.get returns).
            before = tuple(current or [""])
            add(f"duplicated field, then {kind}", *((*before, r) for r in replacements))
    return families


def form_families(
    where: str,
    form: forms.BaseForm,
    data: Params,
    *,
    bounds: dict[str, tuple[int | None, int | None]] | None = None,
) -> list[Family]:
    """The families of every field of `form` (with its prefix), for the valid `data`."""
    families = []
    for field_name, field in form.fields.items():
        name = form.add_prefix(field_name)
        current = [str(v) for v in data.get(name, [])]
        families += field_families(
            where, name, field, current, bounds=(bounds or {}).get(field_name)
        )
    return families


def formset_families(formset: forms.BaseFormSet, data: Params, rows: int) -> list[Family]:
    """The management form's fields, and those of the first `rows` forms of the formset."""
    management = formset.management_form
    families = form_families("post", management, data, bounds={"TOTAL_FORMS": (0, formset.max_num)})
    kwargs = formset.get_form_kwargs(0)
    for index in range(rows):
        form = formset.form(prefix=formset.add_prefix(index), **kwargs)
        families += form_families("post", form, data)
    return families


def url_families(url_name: str, kwargs: dict[str, object]) -> list[Family]:
    """Objects in the address that do not exist (derived from the path converters)."""
    pattern = url_patterns()[url_name]
    converters = getattr(pattern.pattern, "converters", {})
    families = []
    for name in kwargs:
        converter = converters.get(name)
        values: tuple[Values, ...]
        if isinstance(converter, IntConverter):
            values = ((NO_SUCH_ID,), (HUGE_NUMBER,))
        elif isinstance(converter, SlugConverter):
            values = (("gibt-es-nicht",),)
        else:
            values = (("gibtesnicht",),)
        families.append(Family("url", name, "object in the address that does not exist", values))
    return families


def mutations(families: Sequence[Family]) -> st.SearchStrategy[Mutation]:
    """One parameter first (each equally likely), then one kind of junk for it, then a value."""
    by_parameter: dict[tuple[str, str], list[Family]] = {}
    for family in families:
        by_parameter.setdefault((family.where, family.name), []).append(family)
    keys = sorted(by_parameter)
    return (
        st.sampled_from(keys)
        .flatmap(lambda key: st.sampled_from(by_parameter[key]))
        .flatmap(lambda family: family.strategy())
    )


# --- URL patterns ---------------------------------------------------------------------------


def url_patterns() -> dict[str, URLPattern]:
    """Every named URL pattern, by its full (namespaced) name."""
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                found.setdefault(f"{namespace}:{p.name}" if namespace else p.name, p)

    walk(get_resolver().url_patterns, None)
    return found


# --- Database fingerprint -------------------------------------------------------------------

EXCLUDED_TABLES = frozenset(
    {
        # The session of the request: messages, the idle-timeout stamp, allauth's state.
        "django_session",
        # allauth.usersessions records the sessions of an account (sign-in, last seen).
        "usersessions_usersession",
        # The security log records refused sign-ins, passwords and rate limits by design.
        "core_securityevent",
    }
)


def _hashes(cursor, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Row count and a hash of all rows of each table, in one statement."""
    if not tables:
        return {}
    quote = connection.ops.quote_name
    # The table names come from the database's own catalogue, quoted.
    select = (
        "SELECT %s, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        " FROM {} t"
    )
    cursor.execute(" UNION ALL ".join(select.format(quote(table)) for table in tables), tables)
    return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def full_fingerprint() -> dict[str, tuple[int, str]]:
    """Every table hashed anew (what `db_fingerprint` must always equal)."""
    with connection.cursor() as cursor:
        tables = sorted(
            t for t in connection.introspection.table_names(cursor) if t not in EXCLUDED_TABLES
        )
        return _hashes(cursor, tables)


# On PostgreSQL a table's hash is kept for the rest of the transaction and used again while
# the table's write counters of this transaction (pg_stat_xact_user_tables: rows inserted,
# updated, deleted; they only grow, writes of rolled-back savepoints included) stay the same and
# no savepoint it was computed in has ended: rolling a savepoint back changes rows without
# counting, so a hash taken inside one is not used after it. Only the tables a request wrote are
# hashed again (most refused requests: none), instead of all of them before and after every
# request. Kept per server process and transaction:
# (backend pid, transaction id) -> table -> (writes, savepoints, hash).
_KEPT: dict[tuple[int, int], dict[str, tuple[int, tuple, tuple[int, str]]]] = {}

# The tables of the schema with their writes in this transaction, in one statement (the
# functions behind the view pg_stat_xact_user_tables, without its other columns).
TABLES_AND_WRITES = """
    SELECT pg_backend_pid(), txid_current(), c.relname,
           pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
           + pg_stat_get_xact_tuples_deleted(c.oid)
    FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
"""


def db_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a hash of all rows, for every table but EXCLUDED_TABLES."""
    if connection.vendor != "postgresql" or connection.get_autocommit():
        # Outside a transaction (a live server's test) every statement is a transaction.
        return full_fingerprint()
    with connection.cursor() as cursor:
        cursor.execute(TABLES_AND_WRITES)
        rows = cursor.fetchall()
        writes = {name: count for _, _, name, count in rows if name not in EXCLUDED_TABLES}
        key = (rows[0][0], rows[0][1]) if rows else (0, 0)
        if key not in _KEPT:
            _KEPT.clear()  # an earlier transaction's hashes are of no use any more
            _KEPT[key] = {}
        kept = _KEPT[key]
        savepoints = tuple(connection.savepoint_ids)

        def still_true(table: str) -> bool:
            if table not in kept:
                return False
            count, under, _ = kept[table]
            return count == writes[table] and savepoints[: len(under)] == under

        stale = sorted(t for t in writes if not still_true(t))
        for table, fingerprint in _hashes(cursor, stale).items():
            kept[table] = (writes[table], savepoints, fingerprint)
        return {table: kept[table][2] for table in sorted(writes)}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


# --- Judging one answer ---------------------------------------------------------------------

# An error shown to the person: a field error, an error summary or alert, an error message, or
# the portal's page for a bad request.
ERROR_MARKERS = ("kern-error", "errorlist", 'role="alert"', "kern-alert--danger")
BAD_REQUEST_PAGE = "Ungültige Anfrage"


def shows_an_error(html: str) -> bool:
    return any(marker in html for marker in ERROR_MARKERS) or BAD_REQUEST_PAGE in html


@dataclasses.dataclass
class Outcome:
    status: int | None  # None: an exception escaped
    changed: list[str]
    mails: int
    html: str = ""
    location: str = ""
    error: str = ""  # the last line of the traceback

    def problems(self) -> list[str]:
        """What is wrong with this answer to an invalid request (empty: all is well)."""
        found = []
        if self.status is None:
            found.append(f"exception escaped: {self.error}")
        elif self.status >= 500:
            found.append(f"{self.status}")
        elif self.status in (301, 302, 303, 307, 308):
            found.append(f"accepted: {self.status} to {self.location}")
        elif self.status in (200, 400) and not shows_an_error(self.html):
            found.append(f"{self.status} without an error message")
        elif not 200 <= self.status < 500:
            found.append(f"unexpected status {self.status}")
        if self.changed:
            found.append("database changed: " + ", ".join(self.changed))
        if self.mails:
            found.append(f"{self.mails} e-mail(s) sent")
        return found


def last_traceback_line(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        where = f" (at {'/'.join(frames[-1].filename.rsplit('/', 2)[-2:])}:{frames[-1].lineno})"
    return traceback.format_exception_only(type(exc), exc)[-1].strip()[:300] + where


Send = Callable[[Request], Outcome]
