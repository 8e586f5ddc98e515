"""Documents shared in a space or on a project, with every version kept.

A document belongs to exactly one space or one project. Each upload is a version: a new one
keeps the old ones (each downloadable), the newest is shown first. The file is stored under a
name the portal makes (`documents/<yyyy>/<mm>/<random>.<ext>`), in STORAGES["documents"]; the
name the uploader's computer gave it is kept as metadata only. Deleting marks the document
deleted (it disappears at once); the retention job removes files and rows
DOCUMENT_RETENTION_DAYS later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.rules import RestrictedQuerySet

from .storage import storage


class DocumentQuerySet(RestrictedQuerySet["Document"]):
    def live(self) -> DocumentQuerySet:
        return self.filter(deleted_at__isnull=True)


class Document(models.Model):
    """A document in a space or on a project (its versions hold the files)."""

    space = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("Raum"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("Projekt"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    # The time of the newest version: lists are ordered by it.
    updated_at = models.DateTimeField(_("zuletzt geändert"), default=timezone.now)
    deleted_at = models.DateTimeField(_("gelöscht am"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gelöscht von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["space", "deleted_at", "-updated_at"], name="document_space"),
            models.Index(fields=["project", "deleted_at", "-updated_at"], name="document_project"),
            models.Index(fields=["deleted_at"], name="document_deleted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(space__isnull=False, project__isnull=True)
                | Q(space__isnull=True, project__isnull=False),
                name="document_in_space_or_project",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def container(self) -> models.Model:
        return self.space if self.space_id else self.project  # type: ignore[return-value]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class DocumentVersion(models.Model):
    """One uploaded file of a document."""

    document = models.ForeignKey(
        Document, verbose_name=_("Dokument"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("Version"))
    file = models.FileField(storage=storage, max_length=200)
    original_name = models.CharField(_("ursprünglicher Dateiname"), max_length=200)
    extension = models.CharField(_("Endung"), max_length=10)
    content_type = models.CharField(_("Inhaltstyp"), max_length=120)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("hochgeladen am"), default=timezone.now)
    note = models.CharField(_("Änderungshinweis"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Dokumentversion")
        verbose_name_plural = _("Dokumentversionen")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="document_version_from_1"),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_version_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} (v{self.number})"
