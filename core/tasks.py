"""Background jobs of core: thin, idempotent, calling services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def purge_security_log() -> int:
    """Daily: security log entries older than SECURITY_LOG_RETENTION_DAYS are deleted."""
    return services.security_log_purge()
