"""What `/readyz` asks before a pod of the portal takes requests.

Kubernetes sends traffic only to a pod whose readiness probe passes and restarts one whose
liveness probe fails. So the two are different questions: `/livez` answers as soon as the
process answers (a database outage must not restart every pod), `/readyz` asks each check of
`CHECKS` below: the database, the cache, the Celery broker and, where documents and reports are
in an object store, its bucket. A part that needs more before it can serve adds its check with
`register()` from its `AppConfig.ready()`, so this module knows no app above it.

A check is a function without arguments that returns when all is well and raises when not:
`NotReady("bucket 'portal' does not exist")` with a short reason for the body, or any other
exception, of which only the class name is shown (a message can carry a URL with a password;
the full error goes to the log). A check that does not apply here raises `Skipped`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from .object_storage import object_storage_problem, object_stores

logger = logging.getLogger(__name__)

# Seconds a broker connection may take: the probe's own timeout (deploy/base: 5 s) must cover
# all checks together.
BROKER_TIMEOUT = 2


class NotReady(Exception):
    """A check failed; the message is the short reason shown in the body (no secrets)."""


class Skipped(Exception):  # noqa: N818 (a state, not an error)
    """The check does not apply to this installation; the message says why."""


@dataclass(frozen=True)
class Check:
    """One named readiness check."""

    name: str
    run: Callable[[], None]


def database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        raise NotReady(f"database unreachable ({type(error).__name__})") from error


def cache_roundtrip() -> None:
    # The portal's Redis cache answers like an empty cache while Redis is down (core.cache), so
    # the only sign of an outage is a value that cannot be read back.
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    found = cache.get(key)
    cache.delete(key)
    if found != "ok":
        raise NotReady("cache unreachable (a value written could not be read back)")


def broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        raise Skipped("tasks run in the web process (no broker configured)")
    from kombu import Connection

    # Built from the settings (not the Celery app's configuration, read once at start-up), so
    # the transport options (a Sentinel master's name) and a test's override apply.
    options: dict[str, Any] = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}))
    options.update(socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT)
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT,
            transport_options=options,
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
            )
    except Exception as error:
        raise NotReady(f"broker unreachable ({type(error).__name__})") from error


def object_storage() -> None:
    """Documents and reports in a bucket: it must exist and answer (core.object_storage)."""
    if not object_stores():
        raise Skipped("files on the local disk")
    if problem := object_storage_problem():
        raise NotReady(problem)


CHECKS: list[Check] = [
    Check("database", database),
    Check("cache", cache_roundtrip),
    Check("broker", broker),
    Check("object_storage", object_storage),
]


def register(name: str, run: Callable[[], None]) -> None:
    """Add a check (from an AppConfig.ready()); a name is registered once."""
    if any(check.name == name for check in CHECKS):
        raise ValueError(f"readiness check {name!r} is registered already")
    CHECKS.append(Check(name, run))


def run_checks() -> tuple[bool, dict[str, dict[str, str]]]:
    """Every check's state ("ok", "skipped" or "error" with its reason), and whether all pass."""
    results: dict[str, dict[str, str]] = {}
    for check in CHECKS:
        try:
            check.run()
        except Skipped as skipped:
            results[check.name] = {"state": "skipped", "reason": str(skipped)}
        except NotReady as failure:
            logger.warning("readyz: %s not ready: %s", check.name, failure, exc_info=True)
            results[check.name] = {"state": "error", "reason": str(failure)}
        except Exception as error:
            logger.exception("readyz: %s check failed", check.name)
            results[check.name] = {"state": "error", "reason": type(error).__name__}
        else:
            results[check.name] = {"state": "ok"}
    ready = all(result["state"] != "error" for result in results.values())
    return ready, results
