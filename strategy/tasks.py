"""Background jobs of the strategy: thin, idempotent, calling services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def send_deadline_reminders() -> int:
    """Daily (STRATEGY_REMINDER_AT, Europe/Berlin): the officers whose reports are still drafts
    or returned, three days before a round's deadline and on it; a second run the same day
    reminds nobody twice (the outbox's dedup key)."""
    return services.deadline_reminders()
