"""`make run`'s processes: the supervisor (scripts/run_local.py) starts the web server, a real
Celery worker and beat over kombu's file-system transport against the test database; the
worker writes a report and mails a notice into the mail folder; beat writes its schedule to
the database; a second supervisor in the same folder is refused; SIGINT stops all three with
every child process. The development mail backend (core.mail), and the demo digest."""

from __future__ import annotations

import email
import io
import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from celery import Celery
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.mail import LocalMailBackend
from notifications.demo import DEMO_DIGEST_TASK, seed_demo_digest
from notifications.kinds import Kind
from notifications.models import MailStatus, Notification
from notifications.tasks import send_daily_digests
from reports import services as report_services
from reports.models import Status

from .factories import ProjectFactory

pytestmark = pytest.mark.xdist_group("local_run")

PORT = 8101
SCRIPT = Path(settings.BASE_DIR) / "scripts" / "run_local.py"


def _database_url() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_DIR": str(tmp_path / "celery"),
        "EMAIL_BACKEND": "core.mail.LocalMailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "REPORTS_ROOT": str(tmp_path / "reports"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "NO_COLOR": "1",
    }


def _client(tmp_path: Path) -> Celery:
    """A client of the same folder of messages (the test's own app runs tasks in-process)."""
    client = Celery(broker="filesystem://localhost/", set_as_current=False)
    messages = str(tmp_path / "celery" / "messages")
    client.conf.broker_transport_options = {
        "data_folder_in": messages,
        "data_folder_out": messages,
        "control_folder": str(tmp_path / "celery" / "control"),
    }
    return client


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _healthy() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (runserver's reloader child, the worker's pool)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = Path(f"/proc/{parent}/task").iterdir()
            for task in tasks:
                text = (task / "children").read_text()
                kids = {int(k) for k in text.split()}
                todo.extend(kids - found)
                found |= kids
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def supervisor(tmp_path):
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(SCRIPT), "--port", str(PORT)],
        cwd=settings.BASE_DIR,
        env=_env(tmp_path),
        stdout=(tmp_path / "run.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    # Each child runs in a process group of its own: a supervisor that is killed leaves them,
    # so they are named while it lives, it is asked to stop them, and what is left is killed.
    children = _children(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    for pid in children:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.django_db(transaction=True)
def test_make_run_starts_web_worker_and_beat_which_do_the_work_and_stop_together(
    supervisor, tmp_path, itd
):
    log = tmp_path / "run.log"
    assert _wait_for(_healthy, 60), log.read_text()[-3000:]

    # A report and a notice, handed to the worker over the file-system broker.
    with mock.patch.object(report_services, "enqueue"):
        report = report_services.report_request(
            actor=itd, kind="lines", format="csv", scope="programme"
        )
    notice = Notification(
        email="empfaenger@test.example.org",
        kind=Kind.ACCOUNT,
        title="Hinweis",
        mail_status=MailStatus.PENDING,
        enqueued_at=timezone.now(),
    )
    notice.set_mail(subject="Hinweis aus dem Test", text="Ein Hinweis.", html="")
    notice.save()
    client = _client(tmp_path)
    try:
        client.send_task("reports.tasks.generate_report", args=[report.pk])
        client.send_task("notifications.tasks.send_notification", args=[notice.pk])
    finally:
        client.close()

    def written() -> bool:
        report.refresh_from_db()
        notice.refresh_from_db()
        return report.status == Status.READY and notice.mail_status == MailStatus.SENT

    assert _wait_for(written, 60), log.read_text()[-3000:]
    assert (tmp_path / "reports" / report.file.name).is_file()
    mails = [
        email.message_from_bytes(path.read_bytes()) for path in (tmp_path / "mail").glob("*.eml")
    ]
    assert str(notice.pk) in {m["X-Portal-Notification"] for m in mails}
    # Beat runs against the same database: it wrote the schedule of the settings there.
    assert _wait_for(
        lambda: (
            set(settings.CELERY_BEAT_SCHEDULE)
            <= set(PeriodicTask.objects.values_list("name", flat=True))
        ),
        30,
    )
    # Only one per folder: a second one is refused (a second beat would run every job twice).
    second = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(SCRIPT), "--port", str(PORT + 1)],
        cwd=settings.BASE_DIR,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 1
    assert "already running" in second.stdout

    children = _children(supervisor.pid)
    assert len(children) >= 5  # web and its reloader child, worker and its pool, beat
    os.kill(supervisor.pid, signal.SIGINT)
    assert supervisor.wait(30) == 0
    assert not [pid for pid in children if _alive(pid)]
    assert not _healthy()
    output = log.read_text()
    for name in ("web", "worker", "beat"):
        assert f"run   | stopping {name} ..." in output
        assert f"\n{name:<6}| " in output  # each process's lines under its name


def test_the_local_mail_backend_prints_and_writes_one_eml_per_mail(tmp_path, settings):
    settings.LOCAL_MAIL_REFUSE = []
    console = io.StringIO()
    backend = LocalMailBackend(file_path=str(tmp_path), stream=console)
    message = mail.EmailMultiAlternatives(
        subject="Grüße aus Hamburg", body="Text mit Umlauten: äöüß", to=["a@example.org"]
    )
    message.attach_alternative("<p>HTML</p>", "text/html")
    assert backend.send_messages([message]) == 1

    (path,) = tmp_path.glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Grüße aus Hamburg"
    assert parsed.get_body(preferencelist=("plain",)).get_content().strip() == (
        "Text mit Umlauten: äöüß"
    )
    printed = console.getvalue()
    assert "E-Mail an a@example.org: Grüße aus Hamburg" in printed
    assert "Text mit Umlauten: äöüß" in printed and str(path) in printed


def test_the_local_mail_backend_refuses_the_addresses_it_is_told_to(tmp_path, settings):
    settings.LOCAL_MAIL_REFUSE = ["Gast@Example.org"]
    backend = LocalMailBackend(file_path=str(tmp_path), stream=io.StringIO())
    refused = mail.EmailMessage(subject="x", body="y", to=["gast@example.org"])
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        backend.send_messages([refused])
    assert backend.send_messages([mail.EmailMessage(subject="x", body="y", to=["b@x.org"])]) == 1
    assert len(list(tmp_path.glob("*.eml"))) == 1  # only the accepted one


def test_the_demo_digest_is_scheduled_every_five_minutes_and_has_notices_to_send(
    space, coordinator, authority, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ProjectFactory(title="Ladesäulenkarte", primary_space=space, lead_authority=authority)

    assert seed_demo_digest() > 0
    task = PeriodicTask.objects.get(name=DEMO_DIGEST_TASK)
    assert (task.task, task.crontab.minute, task.enabled) == (
        "notifications.tasks.send_daily_digests",
        "*/5",
        True,
    )
    assert seed_demo_digest() == 0  # notices still waiting: a second seed writes none

    # What beat starts every five minutes: the coordinator's digest names the project.
    with django_capture_on_commit_callbacks(execute=True):
        send_daily_digests.delay()
    (digest,) = [m for m in mail.outbox if m.to == [coordinator.email]]
    assert "Ladesäulenkarte" in digest.body
