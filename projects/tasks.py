"""Background jobs of the projects app: thin, idempotent, calling services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def close_expired_project_guests() -> int:
    """Daily: project invitations whose end date has passed are closed."""
    return services.project_guests_close_expired()
