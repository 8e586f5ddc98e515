"""One fixture per role of the access matrix (docs/access.md), on the reference spaces.

- itd: ITD staff        - coordinator: coordinates `space` (Mobilität & Energie)
- officer: digitalisation officer of `authority` (BVM), member of `space`
- member: member of `space` for another authority
- guest: external guest of `other_space` (Wissen & Bildung)
- guest_ended: external guest of `other_space` whose access ended yesterday
- outsider: administration staff with no membership ("other staff")
- anonymous: not signed in
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from contacts.models import Authority, User
from spaces.models import Membership, Space

from .factories import (
    DigitalOfficerFactory,
    ExternalPersonFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)
from .html_checker import html_checker  # noqa: F401  (a fixture for the browser suite)

# --- The parallel suite (pytest-xdist) --------------------------------------------------------
# `make test` runs the suite in several processes. pytest-django gives each its own database
# (test_<name>_gw0, _gw1, ...); the cache is ours to separate: every test empties it
# (`_fresh_cache`), and FLUSHDB on a shared Redis database would empty the others' too.
SERIAL_GROUP = "serial"
REDIS_DB_OF_WORKER = {"gw0": None, "gw1": 10, "gw2": 11, "gw3": 12}


def _redis_url_of_worker(url: str, worker: str) -> str:
    """gw0 keeps the configured database; gw1.. take 10, 11, 12 (8 is the benchmark's, 13 the
    failover tests', 14 the worker-kill test's broker)."""
    if worker not in REDIS_DB_OF_WORKER:
        raise pytest.UsageError(f"at most {len(REDIS_DB_OF_WORKER)} test processes (-n)")
    number = REDIS_DB_OF_WORKER[worker]
    if number is None:
        return url
    base, _, last = url.rpartition("/")
    return f"{base}/{number}" if base and last.isdigit() else f"{url.rstrip('/')}/{number}"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    cache: dict[str, Any] = settings.CACHES["default"]
    if worker and str(cache["BACKEND"]).endswith("RedisCache"):
        cache["LOCATION"] = _redis_url_of_worker(str(cache["LOCATION"]), worker)
    _flush_by_delete()


# --- Emptying the database after a transactional test -----------------------------------------
# Django empties the database after a transactional test (a browser test's live server) with
# one TRUNCATE of every table: PostgreSQL gives each table and index new files, 0.35-0.4 s even
# when they are nearly empty, 75 times in the suite. DELETE of the few rows such a test wrote
# takes a few milliseconds. The rows go with the triggers and foreign-key checks switched off
# for that transaction (session_replication_role = replica, as TRUNCATE skips row triggers too:
# the frozen reporting rounds refuse a DELETE by trigger); that needs a superuser, which the test
# database's user is under `make test`. Otherwise, or when sequences are to be reset, Django's
# TRUNCATE is kept.
# The content types and permissions stay: they are what the migrations made, and no test writes
# them. The flush's post_migrate signal, whose only receivers write them (contenttypes, auth),
# is then not sent: writing them all again took 0.16 s of the 0.19 s a flush took, finding them
# complete still 0.1 s.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})
_FLUSHED_BY_DELETE = threading.local()


def _flush_by_delete() -> None:
    from django.core.management.commands import flush
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    emit = flush.emit_post_migrate_signal  # type: ignore[attr-defined]

    def emit_unless_kept(*args: Any, **kwargs: Any) -> None:
        if not getattr(_FLUSHED_BY_DELETE, "kept", False):
            emit(*args, **kwargs)
        _FLUSHED_BY_DELETE.kept = False

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        # Only as a transaction of its own: SET LOCAL inside an outer one would last beyond.
        own = not self.connection.in_atomic_block
        if not tables or reset_sequences or not own or not _is_superuser(self.connection):
            _FLUSHED_BY_DELETE.kept = False
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        _FLUSHED_BY_DELETE.kept = True
        return [
            "SET LOCAL session_replication_role = replica;",
            # The names are the tables Django lists, quoted.
            *(
                f"DELETE FROM {self.quote_name(table)};"  # noqa: S608
                for table in tables
                if table not in KEPT_BY_FLUSH
            ),
        ]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    flush.emit_post_migrate_signal = emit_unless_kept  # type: ignore[attr-defined]


def _is_superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return bool(cursor.fetchone()[0])


def _group_of(item: pytest.Item) -> str | None:
    """The browser tests (a live server and Chromium each) run module by module (the big
    browser suite test by test), so both processes take a share of them instead of one process
    running them all while the other waits; the worker-kill test (real Celery workers) runs in
    a group of its own."""
    if item.path.name == "test_worker_kill.py":
        return f"{SERIAL_GROUP}:worker-kill"
    fixtures = getattr(item, "fixturenames", ())
    if item.get_closest_marker("e2e") is None and "live_server" not in fixtures:
        return None
    if item.path.name == "test_e2e_suite.py":
        return f"{SERIAL_GROUP}:{item.path.stem}:{getattr(item, 'originalname', item.name)}"
    return f"{SERIAL_GROUP}:{item.path.stem}"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = _group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


# Each role's account has a distinctive last name, so "name not on the page" can never be a
# coincidence of two random names.
ROLES = (
    "itd",
    "coordinator",
    "officer",
    "member",
    "guest",
    "guest_ended",
    "outsider",
    "anonymous",
)

# ITD staff and coordinators must sign in with a second factor (contacts.security): the role
# fixtures and `client_for` give them an authenticator app with this secret, so the tests see
# the pages and not the enrolment. tests/test_signin_security.py proves the enforcement.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_mfa(user: User, secret: str = TEST_TOTP_SECRET) -> None:
    from contacts.services import user_totp_enrol

    user_totp_enrol(user=user, secret=secret)


def enrol_mfa_if_required(user: User) -> None:
    from contacts.permissions import forget_cached_facts as forget_cached_roles
    from contacts.security import mfa_required

    if mfa_required(user):
        enrol_mfa(user)
    forget_cached_roles(user)  # the check caches roles on the object; the test may change them


def totp_code(secret: str = TEST_TOTP_SECRET, offset: int = 0) -> str:
    """The authenticator app's current code (`offset` steps of 30 seconds away)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


@pytest.fixture(autouse=True)
def _portal_test_settings(settings, tmp_path):
    # Tests speak plain HTTP to the test client; TLS redirects are tested explicitly.
    settings.SECURE_SSL_REDIRECT = False
    # A fast hasher: the password validators, not the hash cost, are under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every test client loads the middleware anew, and WhiteNoise indexes all static files when
    # it is loaded (60 ms; thousands of clients in the suite): in tests it looks a file up when
    # one is asked for instead. No test reads a static file through the middleware's index.
    settings.WHITENOISE_AUTOREFRESH = True
    # The files of a test go to its own directory.
    for name, value in files_under(tmp_path).items():
        setattr(settings, name, value)


def files_under(root: Any) -> dict[str, Any]:
    """The settings that put a test's files under `root`: the reports, the documents
    (documents/storage.py reads DOCUMENTS_ROOT when it changes) and the videos in sign language
    (STORAGES["inclusion_videos"])."""
    from django.conf import settings

    return {
        "REPORTS_ROOT": root / "reports",
        "DOCUMENTS_ROOT": root / "documents",
        "STORAGES": {
            **settings.STORAGES,
            "inclusion_videos": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(root / "videos"), "base_url": None},
            },
        },
    }


# --- Files: on the local disk, and again in an S3 bucket ------------------------------------
# A test module that names the fixture `object_store` (pytest.mark.usefixtures) runs each of its
# tests twice: [disk] with the default storages, [s3] against moto's S3 server on loopback
# (tests/object_store.py), started once per test process. `-k "not s3"` runs the first only; a
# test whose subject does not depend on where files are (rules, query counts, a PDF's layout)
# is marked `disk_only` and runs once.
OBJECT_STORES = ("disk", "s3")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "object_store" in metafunc.fixturenames:
        once = metafunc.definition.get_closest_marker("disk_only") is not None
        metafunc.parametrize(
            "object_store", OBJECT_STORES[:1] if once else OBJECT_STORES, indirect=True
        )


@pytest.fixture(scope="session")
def moto_s3():
    from .object_store import MotoS3

    server = MotoS3()
    yield server
    server.stop()


@pytest.fixture
def object_store(request: pytest.FixtureRequest, settings: Any) -> Any:
    """ "disk", or in the bucket: (the moto server, this test's prefix). Nothing of an [s3]
    test may land on the local disk."""
    if request.param == "disk":
        yield "disk"
        return
    from pathlib import Path

    from core.object_storage import PrivateS3Storage

    from .object_store import s3_storages

    server = request.getfixturevalue("moto_s3")
    request.getfixturevalue("monkeypatch").setattr(
        PrivateS3Storage, "connection", property(lambda _storage: server.resource)
    )
    prefix, entries = s3_storages(server.endpoint)
    settings.STORAGES = {**settings.STORAGES, **entries}
    yield server, prefix
    for root in (Path(settings.DOCUMENTS_ROOT), Path(settings.REPORTS_ROOT)):
        on_disk = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
        assert on_disk == [], f"{root} holds files although the store is the bucket"


@pytest.fixture(autouse=True)
def _browser_gets_the_styles(request: pytest.FixtureRequest, settings: Any) -> None:
    """The live server serves static files from the finders, by their plain names (the hashed
    names of the manifest are 404 there): so in browser tests the pages name them so, and the
    browser (and axe) sees the pages with their CSS and scripts, as people do."""
    if "live_server" in request.fixturenames:
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }


@pytest.fixture(autouse=True)
def _require_postgresql(db):
    assert connection.vendor == "postgresql", (
        "The suite runs against PostgreSQL: run it with `make test` (DATABASE_URL)."
    )


def _load_reference_data() -> None:
    """What the data migrations load: the spaces, the authorities, the budget's reference data."""
    import importlib

    from django.apps import apps

    from core.reference import load_authorities, load_spaces

    load_spaces(Space)
    load_authorities(Authority)
    importlib.import_module("projects.migrations.0002_reference_budget").load(apps, None)
    importlib.import_module("projects.migrations.0009_reference_names_en").load(apps, None)
    importlib.import_module("inclusion.migrations.0002_texts").load(apps, None)


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests may start from an empty database: load what the data migrations
    load. Name it before the role fixtures, which read it."""
    if not Space.objects.exists():
        _load_reference_data()


def _flushes_the_database(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test empties the database when its fixtures end. In one process such
    tests ran last; in the parallel suite a process may take ordinary tests after one, and those
    expect the reference data the migrations loaded: it is loaded again, after the flush."""
    result = yield
    # After the last test the session's fixtures are gone too (the test database dropped).
    if _flushes_the_database(item) and nextitem is not None:
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _load_reference_data()
        # The flush's post_migrate made the content types anew, with new ids: Django's cache of
        # them still names the old ones (an audit entry would point at a deleted row).
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
    return result


def the_space() -> Space:
    """The roles' space (Mobilität & Energie); `the_other_space()` the guest's; `the_authority()`
    the coordinator's and the officer's (BVM). The fixtures below, and the worlds kept for many
    tests, take them from here."""
    return Space.objects.get(slug="mobilitaet-energie")


def the_other_space() -> Space:
    return Space.objects.get(slug="wissen-bildung")


def the_authority() -> Authority:
    return Authority.objects.get(code="BVM")


@pytest.fixture
def space(db) -> Space:
    return the_space()


@pytest.fixture
def other_space(db) -> Space:
    return the_other_space()


@pytest.fixture
def authority(db) -> Authority:
    return the_authority()


@pytest.fixture
def itd_authority(db) -> Authority:
    return Authority.objects.get(code="ITD")


# The roles are built by plain functions: the fixtures below call them, and a module that
# keeps one world for many tests (tests/test_permission_matrix.py) calls them once.
def make_itd(itd_authority: Authority) -> User:
    user = UserFactory.create(
        email="itd@test.example.org",
        last_name="Itdreferentin",
        is_itd_staff=True,
        is_staff=True,
        is_superuser=True,
    )
    PersonFactory.create(user=user, authority=itd_authority, function="Referentin ITD")
    enrol_mfa(user)
    return user


def make_coordinator(space: Space, authority: Authority) -> User:
    person = PersonFactory.create(
        user__email="coord@test.example.org",
        user__last_name="Koordinatorin",
        authority=authority,
    )
    MembershipFactory.create(person=person, space=space, role=Membership.Role.COORDINATOR)
    enrol_mfa(person.user)
    return person.user


def make_officer(space: Space, authority: Authority) -> User:
    person = PersonFactory.create(
        user__email="officer@test.example.org",
        user__last_name="Beauftragter",
        authority=authority,
    )
    DigitalOfficerFactory.create(person=person, authority=authority)
    MembershipFactory.create(person=person, space=space)
    return person.user


def make_member(space: Space) -> User:
    person = PersonFactory.create(
        user__email="member@test.example.org",
        user__last_name="Mitgliedsperson",
        authority=Authority.objects.get(code="BUKEA"),
    )
    MembershipFactory.create(person=person, space=space)
    return person.user


def make_guest(other_space: Space) -> User:
    person = ExternalPersonFactory.create(
        user__email="guest@test.example.org", user__last_name="Gastperson"
    )
    MembershipFactory.create(person=person, space=other_space, role=Membership.Role.GUEST)
    return person.user


def make_guest_ended(other_space: Space) -> User:
    person = ExternalPersonFactory.create(
        user__email="guest.ended@test.example.org", user__last_name="Ehemaligergast"
    )
    MembershipFactory.create(
        person=person,
        space=other_space,
        role=Membership.Role.GUEST,
        until=timezone.localdate() - dt.timedelta(days=1),
    )
    return person.user


def make_outsider() -> User:
    person = PersonFactory.create(
        user__email="staff@test.example.org",
        user__last_name="Verwaltungsperson",
        authority=Authority.objects.get(code="FB"),
    )
    return person.user


def make_all_roles() -> dict[str, User | None]:
    """Every role of ROLES on the reference spaces, as the fixtures make them one by one."""
    space, other_space, authority = the_space(), the_other_space(), the_authority()
    return {
        "itd": make_itd(Authority.objects.get(code="ITD")),
        "coordinator": make_coordinator(space, authority),
        "officer": make_officer(space, authority),
        "member": make_member(space),
        "guest": make_guest(other_space),
        "guest_ended": make_guest_ended(other_space),
        "outsider": make_outsider(),
        "anonymous": None,
    }


Built = TypeVar("Built")


def kept_world(
    django_db_blocker: Any, build: Callable[[], Built], **settings: Any
) -> Iterator[Built]:
    """For a fixture of a wider scope (`yield from kept_world(...)`): what `build()` makes in
    the database, kept for many tests, as Django's `TestCase.setUpTestData` does. It is built in
    a transaction of its own (with `settings` overridden meanwhile) and rolled back after the
    last test; each test runs in a savepoint inside it (pytest-django's `db`), so a test's
    writes are gone before the next one. Only the database is restored: a test that changes
    files or the cache must not rely on the world's."""
    outer = transaction.atomic()

    def roll_back() -> None:
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)

    with django_db_blocker.unblock(), override_settings(**settings):
        outer.__enter__()
        try:
            built = build()
        except BaseException:
            roll_back()
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            roll_back()


@pytest.fixture
def itd(db, itd_authority):
    return make_itd(itd_authority)


@pytest.fixture
def coordinator(db, space, authority):
    return make_coordinator(space, authority)


@pytest.fixture
def officer(db, space, authority):
    return make_officer(space, authority)


@pytest.fixture
def member(db, space):
    return make_member(space)


@pytest.fixture
def guest(db, other_space):
    return make_guest(other_space)


@pytest.fixture
def guest_ended(db, other_space):
    """A guest whose access to `other_space` ended yesterday (the daily job has not run yet)."""
    return make_guest_ended(other_space)


@pytest.fixture
def outsider(db):
    return make_outsider()


@pytest.fixture
def anonymous(db):
    return None


@pytest.fixture
def all_roles(itd, coordinator, officer, member, guest, guest_ended, outsider):
    return {
        "itd": itd,
        "coordinator": coordinator,
        "officer": officer,
        "member": member,
        "guest": guest,
        "guest_ended": guest_ended,
        "outsider": outsider,
        "anonymous": None,
    }


def client_for(user: User, *, enrol: bool = True) -> Client:
    """A test client signed in as `user`; ITD staff and coordinators come with MFA enrolled
    (enrol=False leaves them without, to see the enforced enrolment)."""
    client = Client()
    if user is not None:
        if enrol:
            enrol_mfa_if_required(user)
        client.force_login(user)
        # A real sign-in registers the session with allauth.usersessions (its login signal);
        # force_login does not, so do it here: the session can then be listed and ended.
        from allauth.usersessions.models import UserSession

        UserSession.objects.get_or_create(
            session_key=client.session.session_key,
            defaults={"user": user, "ip": "127.0.0.1", "user_agent": ""},
        )
    return client


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One Chromium (with its Playwright driver) for the browser tests of a module: starting
    them costs about a second of CPU, a browser context 10 ms. Each test takes contexts of its
    own (`browser_page`, or `fresh_contexts`), as separate from each other's as two browsers:
    cookies, storage and cache are per context."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures
    # are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from .test_e2e_browser import CHROMIUM, FLAGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def fresh_contexts(chromium: Any) -> Iterator[Any]:
    """The module's Chromium for one test; the contexts the test opened are closed after it."""
    before = set(chromium.contexts)
    yield chromium
    for context in chromium.contexts:
        if context not in before:
            context.close()


@pytest.fixture
def client_as(all_roles):
    """client_as("guest") -> a test client signed in as that role."""

    def make(role: str) -> Client:
        return client_for(all_roles[role])

    return make


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and used TOTP codes live in the cache (Redis): each test starts clean.
    from django.core.cache import cache, caches

    cache.clear()
    # The layout's fragments too: a test may change what a link or a label says.
    caches["template_fragments"].clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _german_first():
    """The locale middleware activates the language of a request in the thread that serves it,
    here the test's own thread, and leaves it active: each test starts in the portal's first
    language, whatever language the previous test's last request asked for."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    # Tasks run in-process in tests: the worker's behaviour is the task function itself.
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's database, and with `--reuse-db` as complete as a new one: a kept database
    is left as its last session's last test left it, and after a transactional test that is
    emptied (the flush; `pytest_runtest_teardown` loads the reference data only when another
    test follows). Then the data migrations' reference data is loaded again here."""
    with django_db_blocker.unblock():
        if not Space.objects.exists():
            _load_reference_data()
    return django_db_setup


@pytest.fixture(scope="session", autouse=True)
def _end_stray_database_sessions(django_db_setup, django_db_blocker):
    """The live server answers the browser in threads of its own; a keep-alive thread may still
    hold its database connection when the session ends. End such connections so the test
    database can be dropped cleanly."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def api_headers():
    """Headers that sign an API request in as `user` (a read-and-write token of theirs)."""

    def headers(user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_token(user, can_write=True)}"}

    return headers


def api_token(user: User, *, can_write: bool = False, spaces=(), days: int = 30) -> str:
    """A personal API token of `user` (the plain text, as shown once)."""
    from django.utils import timezone

    from tokens.services import token_create

    _token, plain = token_create(
        actor=user,
        name="Test",
        can_write=can_write,
        spaces=spaces,
        expires_on=timezone.localdate() + dt.timedelta(days=days),
    )
    return plain
