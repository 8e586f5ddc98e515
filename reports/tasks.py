"""Background jobs of the report archive: thin, idempotent, calling services.

`generate_report` acknowledges late and is handed back to the queue if its worker dies
(settings: CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST); `services.generate`
claims the report under a row lock, so a task delivered twice writes the report once.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def generate_report(report_id: int) -> str:
    return services.generate(report_id)


@shared_task
def requeue_stale_reports() -> int:
    """Every five minutes: lost publishes and dead workers delay a report, never drop it."""
    return services.requeue_stale()


@shared_task
def purge_expired_reports() -> int:
    """Daily: files past REPORT_RETENTION_DAYS are removed."""
    return services.purge_expired()


@shared_task
def run_report_schedules() -> int:
    """Daily, early: the scheduled reports due today (e.g. the first working day of a month)."""
    return services.schedules_run_due()
