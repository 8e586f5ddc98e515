"""Failover on loopback with real processes (issue 21, point 4, without Sentinel): the portal
through PgBouncer in transaction mode (Debian's package), two gunicorns sharing sessions and
files, two Celery beats of which only one sends.

PgBouncer listens on 127.0.0.1:16432; the gunicorns (18201 and 18202) and the beats reach the test
database through it, as a deployment behind a pooler does. The beats send to Redis database 13
(the worker-kill test has 14, the test processes' caches 0 and 10-12), which is also the
gunicorns' shared cache. Everything is stopped at the end of its test, also when it fails.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import openpyxl
import psycopg2
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection, connections
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, PeriodicTask

from contacts.models import Authority
from core import beat
from core.models import BeatLease
from documents.models import Document
from projects.models import BudgetLine
from reports import services as report_services
from reports.models import Status

from . import document_files as files
from .conftest import client_for
from .factories import ProjectFactory, budget_line

pytestmark = [
    pytest.mark.xdist_group("failover"),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs the local Redis (make test sets REDIS_URL)"
    ),
]

HOST = "127.0.0.1"
PGBOUNCER_PORT = 16432
GUNICORN_PORTS = (18201, 18202)
REDIS_DB = 13
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _redis_url() -> str:
    return re.sub(r"/\d*$", "", os.environ.get("REDIS_URL", "")) + f"/{REDIS_DB}"


def _pooled_env(port: int) -> dict[str, str]:
    """The environment of a portal process whose database is reached through PgBouncer."""
    database = connection.settings_dict
    return {
        "DATABASE_URL": f"postgres://{database['USER']}@{HOST}:{port}/{database['NAME']}",
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
    }


def _wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter or Debian's binary
            args,
            cwd=settings.BASE_DIR,
            env=env,
            start_new_session=True,  # its own process group: the signal reaches its children
            stdout=out,
            stderr=subprocess.STDOUT,
        )


# --- PgBouncer in transaction mode ---------------------------------------------------------------


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    pytest.skip("running as root, and neither a postgres nor a nobody user to run PgBouncer as")


@pytest.fixture
def pgbouncer(tmp_path: Path, transactional_db: None) -> Iterator[int]:
    """Debian's PgBouncer on 127.0.0.1:16432 in front of the test database's server, pool_mode
    transaction, a pool of up to four server connections; stopped at the end."""
    if not Path(PGBOUNCER).exists():
        pytest.skip("PgBouncer is not installed: `make failover-deps` installs Debian's package")
    database = connection.settings_dict
    user = database["USER"] or "postgres"
    (tmp_path / "users.txt").write_text(f'"{user}" ""\n')
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={database['HOST'] or HOST} port={database['PORT'] or 5432}"
        + (f" password={database['PASSWORD']}" if database["PASSWORD"] else "")
        + "\n"
        "[pgbouncer]\n"
        f"listen_addr = {HOST}\n"
        f"listen_port = {PGBOUNCER_PORT}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {tmp_path / 'users.txt'}\n"
        "pool_mode = transaction\n"
        "default_pool_size = 4\n"
        "max_client_conn = 100\n"
        # psycopg2 sends it at connect; PgBouncer passes on only the parameters it tracks.
        "ignore_startup_parameters = extra_float_digits\n"
    )
    # PgBouncer refuses to run as root: it reads its files, then becomes an unprivileged user.
    become = ["-u", _unprivileged_user()] if os.geteuid() == 0 else []
    log = tmp_path / "pgbouncer.log"
    process = _start([PGBOUNCER, *become, str(config)], dict(os.environ), log)
    try:

        def answers() -> bool:
            try:
                psycopg2.connect(
                    host=HOST, port=PGBOUNCER_PORT, user=user, dbname=database["NAME"]
                ).close()
            except psycopg2.OperationalError:
                return False
            return True

        assert _wait_for(answers, 10), f"PgBouncer did not start: {log.read_text()[-2000:]}"
        yield PGBOUNCER_PORT
    finally:
        _stop(process)


@pytest.fixture
def through_pgbouncer(pgbouncer: int) -> Iterator[dict[str, Any]]:
    """The test's database connection (and those of other threads: they share the settings)
    goes through PgBouncer, with server-side cursors off as DATABASE_DISABLE_SERVER_SIDE_CURSORS
    sets them; back to the server directly at the end (before the database is emptied)."""
    database = connections["default"]
    saved = {key: database.settings_dict[key] for key in ("PORT", "DISABLE_SERVER_SIDE_CURSORS")}
    database.close()
    database.settings_dict.update(PORT=pgbouncer, DISABLE_SERVER_SIDE_CURSORS=True)
    try:
        yield database.settings_dict
    finally:
        database.close()
        database.settings_dict.update(saved)


def _hold_a_server_connection() -> Any:
    """Another client of PgBouncer in an open transaction: it holds the server connection the
    test's last statement ran on (PgBouncer hands out the most recently freed one), so the
    test's next statement runs on another one."""
    other = psycopg2.connect(
        host=HOST, port=PGBOUNCER_PORT, user="postgres", dbname=connection.settings_dict["NAME"]
    )
    with other.cursor() as cursor:
        cursor.execute("SELECT 1")
    return other


def _authorities_one_by_one(held: list[Any]) -> list[str]:
    names = Authority.objects.order_by("pk").values_list("code", flat=True).iterator(chunk_size=2)
    first = next(names)
    held.append(_hold_a_server_connection())
    return [first, *names]


def test_iterator_breaks_under_transaction_pooling_unless_server_side_cursors_are_off(
    reference_data, through_pgbouncer
):
    """The failure the setting prevents (pretix #4014): `.iterator()` declares a cursor WITH
    HOLD on one server connection and fetches the next chunk on another. With the setting
    (DATABASE_DISABLE_SERVER_SIDE_CURSORS) the same reading goes through."""
    held: list[Any] = []
    try:
        through_pgbouncer["DISABLE_SERVER_SIDE_CURSORS"] = False
        # psycopg2's own error: Django's cursor_iter closes the cursor that is not there.
        with pytest.raises((DatabaseError, psycopg2.Error), match=r"cursor \S+ does not exist"):
            _authorities_one_by_one(held)
        connection.close()

        through_pgbouncer["DISABLE_SERVER_SIDE_CURSORS"] = True
        codes = _authorities_one_by_one(held)
        assert connection.connection.info.port == PGBOUNCER_PORT
        # Django sets the session's time zone once, at connect (the server's is Etc/UTC or
        # another): PgBouncer hands it on to each server connection the client is given.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('TimeZone')")
            assert cursor.fetchone() == ("UTC",)
    finally:
        for other in held:
            other.close()
    assert codes == list(Authority.objects.order_by("pk").values_list("code", flat=True))
    assert len(codes) > 4  # more than two chunks of two


@pytest.fixture
def portfolio(reference_data, itd, space, authority) -> list[Any]:
    projects = [
        ProjectFactory(title=f"Gepoolt {n}", primary_space=space, lead_authority=authority)
        for n in range(3)
    ]
    for n, project in enumerate(projects):
        budget_line(project, planned=f"{n + 1}000.10", revised=f"{n + 1}000.10", note=f"Z {n}")
        budget_line(project, category="invest", planned="0.20", revised="0.20")
    return projects


def test_exports_pages_and_reports_work_through_transaction_pooling(
    portfolio, itd, through_pgbouncer, django_capture_on_commit_callbacks
):
    """The CSV exports (PostgreSQL's COPY), the XLSX exports (`.iterator()`), a page, and the
    budget-lines report whose XLSX PostgreSQL writes (core.xlsx_stream: COPY, and the progress
    from a thread of its own), all through PgBouncer in transaction mode."""
    client = client_for(itd)
    lines = BudgetLine.objects.count()
    for name, expected in (("projects:export", len(portfolio)), ("projects:budget_export", lines)):
        response = client.get(reverse(name, args=["csv"]))
        assert response.status_code == 200
        rows = b"".join(response.streaming_content).decode("utf-8-sig").split("\r\n")
        assert sum(1 for row in rows if row.startswith("Gepoolt")) == expected, name

    # The portfolio's XLSX comes in the response (the budget lines' is a report, below).
    response = client.get(reverse("projects:export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    titles = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert sum(1 for t in titles if str(t).startswith("Gepoolt")) == len(portfolio)

    page = client.get(reverse("projects:detail", args=[portfolio[0].slug]))
    assert page.status_code == 200 and "Gepoolt 0" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            actor=itd,
            kind="lines",
            format="xlsx",
            scope="programme",
            fiscal_year=BudgetLine.objects.first().fiscal_year,
        )
    report.refresh_from_db()
    assert report.status == Status.READY, report.error
    sheet = openpyxl.load_workbook(report.file.path, read_only=True).active
    titles = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert sum(1 for t in titles if str(t).startswith("Gepoolt")) == lines
    assert connection.connection.info.port == PGBOUNCER_PORT


# --- Two gunicorns -------------------------------------------------------------------------------


def _portal_env(tmp_path: Path, pgbouncer: int) -> dict[str, str]:
    return {
        **os.environ,
        **_pooled_env(pgbouncer),
        "DEBUG": "false",
        "REDIS_URL": _redis_url(),
        "CACHE_KEY_PREFIX": f"failover-{uuid.uuid4().hex[:8]}",
        # Tasks go nowhere: what they would do is not under test here.
        "CELERY_BROKER_URL": "memory://",
        "DOCUMENTS_ROOT": str(tmp_path / "documents"),
        "REPORTS_ROOT": str(tmp_path / "reports"),
        "ALLOWED_HOSTS": HOST,
        "SECURE_HTTPS": "false",
        "SECURE_SSL_REDIRECT": "false",
        "PYTHONPATH": str(settings.BASE_DIR),
    }


@pytest.fixture
def two_portals(tmp_path: Path, pgbouncer: int) -> Iterator[list[str]]:
    """Two gunicorns of one worker each, production-like (DEBUG off), on one database through
    PgBouncer, one Redis cache, one DOCUMENTS_ROOT and REPORTS_ROOT; stopped at the end."""
    env = _portal_env(tmp_path, pgbouncer)
    processes = []
    try:
        for port in GUNICORN_PORTS:
            processes.append(
                _start(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        f"--bind={HOST}:{port}",
                        "--workers=1",
                        "--graceful-timeout=2",
                        "hamburg_digital.wsgi",
                    ],
                    env,
                    tmp_path / f"gunicorn-{port}.log",
                )
            )
        urls = [f"http://{HOST}:{port}" for port in GUNICORN_PORTS]

        def answer() -> bool:
            try:
                return all(requests.get(f"{u}/healthz", timeout=5).ok for u in urls)
            except requests.RequestException:
                return False

        assert _wait_for(answer, 20, step=0.2), "the gunicorns did not answer: " + "".join(
            (tmp_path / f"gunicorn-{port}.log").read_text()[-1500:] for port in GUNICORN_PORTS
        )
        yield urls
    finally:
        for process in processes:
            _stop(process)
        cache = redis.Redis.from_url(_redis_url())
        for key in cache.scan_iter(f"{env['CACHE_KEY_PREFIX']}:*"):
            cache.delete(key)


def test_two_gunicorns_share_the_session_and_the_files(reference_data, member, space, two_portals):
    """Signed in on one, signed in on the other; a document uploaded through one is downloaded
    through the other: sessions in the database, files under one DOCUMENTS_ROOT."""
    first, second = two_portals
    cookie = client_for(member).cookies[settings.SESSION_COOKIE_NAME].value
    browsers = []
    for _url in two_portals:
        browser = requests.Session()
        browser.cookies.set(settings.SESSION_COOKIE_NAME, cookie, domain=HOST)
        browsers.append(browser)

    for browser, url in zip(browsers, two_portals, strict=True):
        page = browser.get(url + reverse("dashboard"), allow_redirects=False, timeout=10)
        assert page.status_code == 200, (url, page.status_code, page.headers.get("Location"))
        assert "Mitgliedsperson" in page.text

    form_url = first + reverse("documents:space_new", args=[space.slug])
    form = browsers[0].get(form_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert form.status_code == 200 and token, form.status_code
    content = files.pdf()
    sent = browsers[0].post(
        form_url,
        data={"csrfmiddlewaretoken": token.group(1), "title": "Zwei Prozesse", "description": ""},
        files={"file": ("zwei.pdf", content, "application/pdf")},
        headers={"Referer": form_url},
        allow_redirects=False,
        timeout=10,
    )
    assert sent.status_code == 302, sent.text[-1500:]
    document = Document.objects.get(title="Zwei Prozesse")

    download = browsers[1].get(
        second + reverse("documents:download", args=[document.pk, 1]), timeout=10
    )
    assert download.status_code == 200
    assert download.content == content


# --- Two beats -----------------------------------------------------------------------------------


def test_the_lease_is_one_holders_until_it_runs_out_or_is_given_up(db):
    assert beat.lease_hold(holder="a", seconds=30)
    assert not beat.lease_hold(holder="b", seconds=30)
    assert beat.lease_hold(holder="a", seconds=30)  # renewed
    BeatLease.objects.filter(name=beat.LEASE).update(expires_at=timezone.now() - timedelta(1))
    assert beat.lease_hold(holder="b", seconds=30)  # run out: taken over
    assert not beat.lease_hold(holder="a", seconds=30)
    beat.lease_release(holder="a")  # not a's to give up
    assert not beat.lease_hold(holder="a", seconds=30)
    beat.lease_release(holder="b")
    assert beat.lease_hold(holder="a", seconds=30)
    assert BeatLease.objects.count() == 1


SLOTS = 8
LEASE_SECONDS = 2


def _beat_env(queue: str, pgbouncer: int) -> dict[str, str]:
    return {
        **os.environ,
        **_pooled_env(pgbouncer),
        "DEBUG": "false",
        "REDIS_URL": _redis_url(),
        "CELERY_BROKER_URL": _redis_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "BEAT_LEASE_SECONDS": str(LEASE_SECONDS),
        "PYTHONPATH": str(settings.BASE_DIR),
    }


def _start_beat(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return _start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hamburg_digital",
            "beat",
            "--loglevel=INFO",
            "--pidfile=",
            f"--schedule={log.with_suffix('.db')}",
        ],
        env,
        log,
    )


def _sent_slots(broker: redis.Redis, queue: str) -> list[int]:
    """The slot of every test job the beats sent to the queue (the raw messages in Redis)."""
    slots = []
    for raw in cast(list[bytes], broker.lrange(queue, 0, -1)):
        message = json.loads(raw)
        if message["headers"]["task"] != "failover.slot":
            continue
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        slots.append(args[0])
    return slots


def _holder_pid() -> int | None:
    holder = BeatLease.objects.filter(name=beat.LEASE).values_list("holder", flat=True).first()
    return int(holder.split(":")[1]) if holder else None


def test_two_beats_send_each_job_once_and_the_second_takes_over(tmp_path, pgbouncer):
    """Two real beats on the test database, through PgBouncer: one holds the lease and sends;
    it is killed (SIGKILL) half-way; the other takes over once the lease ran out. Every one-off
    job, one a second, is sent exactly once: none twice while both ran, none lost in the
    handover."""
    queue = f"failover-beat-{uuid.uuid4().hex[:8]}"
    broker = redis.Redis.from_url(_redis_url())
    env = _beat_env(queue, pgbouncer)
    beats = [_start_beat(env, tmp_path / f"beat-{n}.log") for n in range(2)]
    try:
        assert _wait_for(lambda: _holder_pid() is not None, 30, step=0.2), "no beat took the lease"
        start = timezone.now() + timedelta(seconds=1)
        for slot in range(SLOTS):
            PeriodicTask.objects.create(
                name=f"failover-slot-{slot}",
                task="failover.slot",
                args=json.dumps([slot]),
                one_off=True,
                clocked=ClockedSchedule.objects.create(
                    clocked_time=start + timedelta(seconds=slot)
                ),
            )
        # Half the jobs sent; killed in the gap before the next one.
        assert _wait_for(lambda: len(_sent_slots(broker, queue)) >= SLOTS // 2, 30), (
            "the first holder sent nothing"
        )
        time.sleep(0.3)
        first = _holder_pid()
        active = next(b for b in beats if b.pid == first)
        _stop(active, signal.SIGKILL)
        at_kill = len(_sent_slots(broker, queue))

        assert _wait_for(lambda: len(_sent_slots(broker, queue)) >= SLOTS, 30), (
            "the second beat did not take over: "
            + (tmp_path / f"beat-{1 - beats.index(active)}.log").read_text()[-2000:]
        )
        # Long enough for a duplicate of the last job to arrive: a lease's length.
        time.sleep(LEASE_SECONDS)
        slots = _sent_slots(broker, queue)
        second = _holder_pid()
    finally:
        for process in beats:
            _stop(process, signal.SIGKILL)
        broker.delete(queue)

    sent = Counter(slots)
    print(
        f"\n{SLOTS} jobs scheduled; {at_kill} sent when the holder was killed; "
        f"sent once: {sum(1 for n in sent.values() if n == 1)}, "
        f"twice or more: {sorted(s for s, n in sent.items() if n > 1)}, "
        f"never: {sorted(set(range(SLOTS)) - set(sent))}"
    )
    assert second is not None and second != first, "the lease did not pass to the other beat"
    assert sent == Counter(range(SLOTS))
