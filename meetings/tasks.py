"""Background jobs of the meetings: thin, idempotent, calling services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def send_meeting_reminders() -> int:
    """Daily (MEETING_REMINDER_AT, Europe/Berlin): tomorrow's meetings to their invitees who
    have not declined; a second run the same day reminds nobody twice."""
    return services.reminders_send()
