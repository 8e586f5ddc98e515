"""Background jobs of the contacts app: thin, idempotent, calling services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int, token: str) -> bool:
    """Sends the invitation; a link replaced or used meanwhile sends nothing."""
    return services.invitation_send_email(invitation_id=invitation_id, token=token)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def end_expired_guest_access() -> int:
    """Daily: close accesses past their end date and sign those guests out everywhere."""
    return services.guest_access_end_expired()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def anonymise_guests_after_retention() -> int:
    """Daily: guests whose access ended more than GUEST_RETENTION_DAYS ago are anonymised."""
    return services.guests_anonymise_after_retention()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def purge_security_log() -> int:
    """Daily: security log entries older than SECURITY_LOG_RETENTION_DAYS are deleted."""
    return services.security_log_purge()
