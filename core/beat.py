"""Celery beat that may run more than once: only the holder of a lease sends the jobs.

django-celery-beat's DatabaseScheduler alone sends every job from every beat that runs, so a
second beat (on a second host, or a restart that overlapped the old one) would send each job
twice. Here every beat first takes or renews the lease row `BeatLease(name="beat")`; only its
holder sends, the others stand by and look again every third of the lease. A beat that dies
stops renewing: once the lease has run out, the next beat takes it over.

Why a row with an expiry, not a lock of the database session (pg_advisory_lock): behind
PgBouncer in transaction mode a session lock is taken on whichever server connection the
statement ran on and stays there when the beat dies; and a Redis lock would add Redis to what
`make run` (SQLite, no services) needs. One conditional UPDATE is atomic on PostgreSQL and
SQLite alike, and the database's clock decides, not the hosts'.

The holder reads the schedule afresh when it takes over, as its predecessor left it: with
CELERY_BEAT_SYNC_EVERY = 1 each job's last run (and a one-off's run count) is written right
after it was sent, so a job is sent once by one of them. The gap: a beat killed between sending
a job and writing that it did leaves it to be sent once more by the next holder (at least once,
as the tasks are written for); a beat frozen longer than the lease (not dead) may send what was
due when it froze once more before it sees it lost the lease.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django_celery_beat.schedulers import DatabaseScheduler

from .models import BeatLease

logger = logging.getLogger(__name__)

LEASE = "beat"
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def lease_hold(*, holder: str, seconds: int, name: str = LEASE) -> bool:
    """Take the lease for `holder` if it is free or has run out, or renew it if it is theirs;
    true if `holder` holds it now, for `seconds` from now. A technical row: not audited."""
    until = ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())
    mine_or_free = Q(holder=holder) | Q(expires_at__lt=Now())
    lease = BeatLease.objects.filter(mine_or_free, name=name)
    if lease.update(holder=holder, expires_at=until):
        return True
    # The first beat of an installation (or of a test database): the row, then the same UPDATE,
    # so two beats starting together still cannot both get it.
    BeatLease.objects.bulk_create(
        [BeatLease(name=name, holder="", expires_at=_NEVER)], ignore_conflicts=True
    )
    return bool(lease.update(holder=holder, expires_at=until))


def lease_release(*, holder: str, name: str = LEASE) -> None:
    """Give the lease up at once (a beat that stops cleanly): the next one need not wait."""
    BeatLease.objects.filter(name=name, holder=holder).update(holder="", expires_at=_NEVER)


class LeasedDatabaseScheduler(DatabaseScheduler):
    """The DatabaseScheduler, sending only while this process holds the lease."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = settings.BEAT_LEASE_SECONDS
        # Renewed three times per lease: a slow database or a long send does not lose it.
        self.renew_every = self.lease_seconds / 3
        self.holding = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            close_old_connections()
            held = lease_hold(holder=self.holder, seconds=self.lease_seconds)
        except DatabaseError:
            logger.exception("beat: the lease could not be read; sending nothing meanwhile")
            held = False
        if not held:
            if self.holding:
                logger.warning("beat %s: lost the lease; standing by", self.holder)
            self.holding = False
            return self.renew_every
        if not self.holding:
            logger.info("beat %s: holds the lease; sending the schedule", self.holder)
            self.holding = True
            self._read_afresh()
        return min(super().tick(*args, **kwargs), self.renew_every)

    def _read_afresh(self) -> None:
        """The schedule as the database holds it now, as the previous holder left it (what
        this process read while standing by is out of date), and the heap built from it."""
        self._schedule = self.all_as_schedule()
        self._heap = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.holding:
                try:
                    lease_release(holder=self.holder)
                except DatabaseError:
                    logger.warning("beat: the lease was not given up; it runs out by itself")
                self.holding = False
