"""Background jobs of access by invitation: thin, idempotent, calling services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def end_expired_access() -> int:
    """Daily: close memberships and project invitations past their end date, and sign out
    everyone whose access depended on them."""
    return services.guest_access_end_expired()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def anonymise_guests_after_retention() -> int:
    """Daily: guests whose access ended more than GUEST_RETENTION_DAYS ago are anonymised."""
    return services.guests_anonymise_after_retention()
