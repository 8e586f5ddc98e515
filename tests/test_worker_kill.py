"""A real Celery worker against the local Redis is killed (SIGKILL) in the middle of sending;
a new worker finishes the batch: every notice is e-mailed exactly once, or at most once more
for the few that were in flight, and none is left pending."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.kinds import Kind
from notifications.models import MailStatus, Notification

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs the local Redis (make test sets REDIS_URL)"
)

# A Redis database of its own, emptied before and after: what a killed worker leaves behind
# (its unacknowledged messages) must not reach the next run or another worker.
BROKER_URL = re.sub(r"/\d*$", "", os.environ.get("REDIS_URL", "")) + "/14"
BATCH = 300
CONCURRENCY = 2
HEADER = re.compile(r"^X-Portal-Notification: (\d+)$", re.MULTILINE)


def _worker_env(queue: str, outbox: Path) -> dict[str, str]:
    database = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": BROKER_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        # What a killed worker held comes back from Redis after this many seconds, and the
        # requeue job hands out what is still pending after two.
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "NOTIFICATION_REQUEUE_AFTER": "2",
    }


def _start_worker(env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hamburg_digital",
            "worker",
            "--pool=prefork",
            f"--concurrency={CONCURRENCY}",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool's children too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _mailed(outbox: Path) -> collections.Counter[int]:
    counts: collections.Counter[int] = collections.Counter()
    for path in outbox.glob("*.log"):
        counts.update(int(n) for n in HEADER.findall(path.read_text(errors="replace")))
    return counts


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _stop(worker: subprocess.Popen[bytes], sig: int) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(30)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_no_mail_and_sends_none_twice_but_those_in_flight(tmp_path):
    outbox = tmp_path / "mail"
    outbox.mkdir()
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = _worker_env(queue, outbox)
    now = timezone.now()
    batch = []
    for n in range(BATCH):
        notice = Notification(
            email=f"empfaenger-{n}@test.example.org",
            kind=Kind.ACCOUNT,
            title=f"Hinweis {n}",
            mail_status=MailStatus.PENDING,
            enqueued_at=now,
        )
        notice.set_mail(subject=f"Hinweis {n}", text=f"Hinweis Nummer {n}", html="")
        batch.append(notice)
    ids = [n.pk for n in Notification.objects.bulk_create(batch)]

    # A client of its own on the same broker and queue (the portal's app may run in-process).
    # Not the current app: the tests after this one (in the same process) must keep sending
    # tasks to the portal's app, which runs them in-process.
    client = Celery(broker=BROKER_URL, set_as_current=False)
    client.conf.task_default_queue = queue
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    first = _start_worker(env, "first")
    second = None
    try:
        for pk in ids:
            client.send_task("notifications.tasks.send_notification", args=[pk], queue=queue)
        assert _wait_for(lambda: sum(_mailed(outbox).values()) >= BATCH // 3, 60), (
            "the first worker sent nothing"
        )
        _stop(first, signal.SIGKILL)
        at_kill = sum(_mailed(outbox).values())
        assert at_kill < BATCH, "killed too late to show anything"

        second = _start_worker(env, "second")

        # As beat does every minute: hand out again what is still pending after a while.
        def done() -> bool:
            if Notification.objects.filter(mail_status=MailStatus.PENDING).exists():
                client.send_task("notifications.tasks.requeue_pending", queue=queue)
                time.sleep(1)
                return False
            return True

        assert _wait_for(done, 90), "notices left pending"
        time.sleep(1)  # let redelivered duplicates of sent notices run (they are skipped)
    finally:
        for worker in (first, second):
            if worker is not None:
                _stop(worker, signal.SIGKILL)
        client.close()
        broker.flushdb()

    counts = _mailed(outbox)
    twice = sorted(pk for pk, n in counts.items() if n > 1)
    print(
        f"\n{BATCH} notices; {at_kill} mailed when the worker was killed; "
        f"mailed once: {sum(1 for n in counts.values() if n == 1)}, "
        f"twice: {len(twice)} {twice}, never: {len(set(ids) - set(counts))}"
    )
    assert set(counts) == set(ids)  # none lost
    assert max(counts.values()) <= 2
    assert len(twice) <= CONCURRENCY  # at most the ones in flight when the worker died
    statuses = collections.Counter(
        Notification.objects.filter(pk__in=ids).values_list("mail_status", flat=True)
    )
    assert statuses == {MailStatus.SENT: BATCH}
