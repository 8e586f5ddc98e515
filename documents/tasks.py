"""Background jobs of the documents app: thin, idempotent, calling services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def purge_deleted_documents() -> int:
    """Daily: files and rows of documents deleted more than DOCUMENT_RETENTION_DAYS ago."""
    return services.purge_deleted()
