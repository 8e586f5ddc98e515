"""Background jobs of the outbox: thin, idempotent, calling services.

Delivery tasks acknowledge late and are rejected back to the queue when their worker dies
(settings: CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST), so a killed worker loses
nothing; `deliver()` checks the state under a row lock, so a task that runs twice sends once.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.conf import settings

from . import jobs, services
from .kinds import Channel
from .models import Digest, Notification


def _backoff(retries: int) -> int:
    """Seconds before the next attempt: 30 s, 1, 2, 4, 8 ... minutes, at most an hour."""
    return int(min(settings.NOTIFICATION_RETRY_BASE * 2**retries, 3600))


@shared_task(bind=True, max_retries=None)
def send_notification(self: Task[Any, Any], notification_id: int) -> str:
    """E-mail one notice; a failing mail server is retried with exponential backoff."""
    try:
        return services.deliver(notification_id)
    except services.MAIL_ERRORS as error:
        return _retry_or_fail(self, Notification, notification_id, error)


@shared_task(bind=True, max_retries=None)
def send_digest(self: Task[Any, Any], digest_id: int) -> str:
    try:
        return services.deliver_digest(digest_id)
    except services.MAIL_ERRORS as error:
        return _retry_or_fail(self, Digest, digest_id, error)


def _retry_or_fail(
    task: Task[Any, Any], model: type[Notification | Digest], object_id: int, error: Exception
) -> str:
    retries = task.request.retries
    if retries >= settings.NOTIFICATION_MAX_RETRIES:
        services.record_failure(model, object_id, error, retry_in=0)
        services.mark_failed(model, object_id)
        return "failed"
    countdown = _backoff(retries)
    services.record_failure(model, object_id, error, retry_in=countdown)
    raise task.retry(exc=error, countdown=countdown)


@shared_task
def requeue_pending() -> int:
    """Every minute: notices still pending after NOTIFICATION_REQUEUE_AFTER go out again."""
    return services.requeue_pending()


@shared_task
def send_daily_digests() -> int:
    return services.digests_build(period=Channel.DAILY)


@shared_task
def send_weekly_digests() -> int:
    return services.digests_build(period=Channel.WEEKLY)


@shared_task
def notify_due_and_ending() -> int:
    """Daily: milestones due in 7 days or overdue, access ending in 14 days, invitation links
    about to expire. Each occasion is notified once (run twice: nothing twice)."""
    return jobs.notify_due_and_ending()
