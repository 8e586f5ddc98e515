"""Background jobs of the spaces app: thin, idempotent, calling services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def close_expired_memberships() -> int:
    """Daily: memberships (guests above all) whose end date has passed are closed."""
    return services.memberships_close_expired()
