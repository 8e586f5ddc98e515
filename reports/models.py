"""Reports generated in the background and kept in an archive (/reports/).

A report is requested for a scope (the whole strategy, one space, one authority, or what the
requester sees), and some kinds for one subject besides (the round report: one reporting round,
named by `subject_id`; its writer is registered by the app above, reports.registry), written by a
Celery task to a file outside the web root (STORAGES["reports"]: REPORTS_ROOT or a bucket), and
downloadable only by those who may see its content. Files are removed after
REPORT_RETENTION_DAYS; the row stays, marked as removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.object_storage import RootedFileSystemStorage, StorageProxy
from core.rules import RestrictedQuerySet


class ReportStorage(RootedFileSystemStorage):
    """The local disk under REPORTS_ROOT (`STORAGES["reports"]` by default), with no URL: files
    leave only through the permission-checked download view."""

    root_setting = "REPORTS_ROOT"


# The configured store (the local disk, or an S3 bucket: core.object_storage), looked up when
# used, so a test that changes STORAGES or moves REPORTS_ROOT gets its own.
report_storage = cast(Storage, StorageProxy("reports"))


def _storage() -> Storage:
    return report_storage


class Kind(models.TextChoices):
    BUDGET = "budget", _("Budgetbericht eines Haushaltsjahres")
    LINES = "lines", _("Budgetzeilen")
    PORTFOLIO = "portfolio", _("Portfolio-Statusbericht (Staatsräterunde)")
    # Of one reporting round (strategy.Round, by subject_id); written by strategy.round_report.
    ROUND = "round", _("Rundenbericht (Strategie)")


class Format(models.TextChoices):
    XLSX = "xlsx", _("Excel (XLSX)")
    CSV = "csv", _("CSV (Excel, deutsch)")
    PDF = "pdf", _("PDF")


# Which formats each kind is written in (a PDF of 100,000 budget lines helps nobody).
FORMATS: dict[str, tuple[str, ...]] = {
    Kind.BUDGET: (Format.XLSX, Format.CSV, Format.PDF),
    Kind.LINES: (Format.XLSX, Format.CSV),
    Kind.PORTFOLIO: (Format.PDF,),
    Kind.ROUND: (Format.PDF, Format.XLSX),
}

# Kinds about one object of an app above (named by Report.subject_id, not a foreign key: this
# app cannot know that app's models); requested from that object's page, never on a schedule.
SUBJECT_KINDS: tuple[str, ...] = (Kind.ROUND,)


class Scope(models.TextChoices):
    PROGRAMME = "programme", _("gesamte Strategie")
    SPACE = "space", _("ein Raum")
    AUTHORITY = "authority", _("eine Behörde")


class Status(models.TextChoices):
    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("wird erstellt")
    READY = "ready", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")
    REMOVED = "removed", _("gelöscht (Aufbewahrungsfrist abgelaufen)")


class ScopedFields(models.Model):
    """What a report covers: kind, format, scope, fiscal year."""

    kind = models.CharField(_("Bericht"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("Format"), max_length=10, choices=Format.choices)
    scope = models.CharField(_("Umfang"), max_length=20, choices=Scope.choices)
    space = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("Raum"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    authority = models.ForeignKey(
        "contacts.Authority",
        verbose_name=_("Behörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @classmethod
    def scope_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=(Q(scope=Scope.SPACE) & Q(space__isnull=False, authority__isnull=True))
                | (Q(scope=Scope.AUTHORITY) & Q(authority__isnull=False, space__isnull=True))
                | (Q(scope=Scope.PROGRAMME) & Q(space__isnull=True, authority__isnull=True)),
                name=f"{prefix}_scope_names_its_object",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.LINES, format=Format.PDF)
                & ~Q(kind=Kind.PORTFOLIO, format__in=[Format.XLSX, Format.CSV])
                & ~Q(kind=Kind.ROUND, format=Format.CSV),
                name=f"{prefix}_format_fits_kind",
            ),
        ]

    @property
    def scope_label(self) -> str:
        if self.scope == Scope.SPACE and self.space is not None:
            return str(_("Raum %(name)s") % {"name": self.space.name})
        if self.scope == Scope.AUTHORITY and self.authority is not None:
            return f"{self.authority.name} ({self.authority.code})"
        return str(self.get_scope_display())  # type: ignore[attr-defined, unused-ignore]


class ReportQuerySet(RestrictedQuerySet["Report"]):
    pass


class Report(ScopedFields):
    # The object a report of a SUBJECT_KIND is about (the round's number), and its name when
    # it was requested: the archive lists it without asking the app above.
    subject_id = models.PositiveIntegerField(_("Gegenstand (Nummer)"), null=True, blank=True)
    subject_label = models.CharField(_("Gegenstand"), max_length=200, blank=True)
    fiscal_year = models.ForeignKey(
        "projects.FiscalYear",
        verbose_name=_("Haushaltsjahr"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angefordert von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    schedule = models.ForeignKey(
        "reports.ReportSchedule",
        verbose_name=_("Zeitplan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    error = models.CharField(_("Fehler"), max_length=500, blank=True)
    file = models.FileField(storage=_storage, max_length=200, blank=True)
    filename = models.CharField(_("Dateiname"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("Zeilen"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("angefordert am"), default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True)
    expires_at = models.DateTimeField(_("gelöscht ab"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("Bericht")
        verbose_name_plural = _("Berichte")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="report_status_created"),
            models.Index(fields=["expires_at"], name="report_expires"),
            models.Index(fields=["kind", "subject_id"], name="report_kind_subject"),
        ]
        constraints = [
            *ScopedFields.scope_constraints("report"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_le_100"),
            models.CheckConstraint(
                condition=~Q(kind=Kind.BUDGET) | Q(fiscal_year__isnull=False),
                name="report_budget_has_year",
            ),
            # A round report names its round and covers all its spaces or one; no other kind
            # names a subject.
            models.CheckConstraint(
                condition=~Q(kind=Kind.ROUND)
                | Q(subject_id__isnull=False, scope__in=[Scope.PROGRAMME, Scope.SPACE]),
                name="report_round_names_its_round",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SUBJECT_KINDS) | Q(subject_id__isnull=True),
                name="report_subject_only_for_its_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.heading}: {self.scope_label} ({self.get_format_display()})"

    @property
    def heading(self) -> str:
        """The kind with what it is of: "Budgetbericht … 2026", "Rundenbericht … 2026/1"."""
        year = self.fiscal_year
        of = self.subject_label or (str(year.year) if year is not None else "")
        kind = str(self.get_kind_display())  # type: ignore[attr-defined, unused-ignore]
        return f"{kind} {of}" if of else kind

    @property
    def is_pending(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    @property
    def extension(self) -> str:
        return Path(self.filename).suffix.lstrip(".") if self.filename else self.format


class ReportSchedule(ScopedFields):
    """A report ITD has written regularly, with the people who are told when it is ready."""

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("monatlich am ersten Arbeitstag")
        WEEKLY = "weekly", _("wöchentlich am ersten Arbeitstag der Woche")

    title = models.CharField(_("Bezeichnung"), max_length=120)
    cadence = models.CharField(_("Rhythmus"), max_length=20, choices=Cadence.choices)
    # The budget report covers the fiscal year of the day it is written.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Empfänger/innen"),
        blank=True,
        related_name="report_schedules",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("aktiv"), default=True)
    last_run_on = models.DateField(_("zuletzt erstellt am"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Berichtszeitplan")
        verbose_name_plural = _("Berichtszeitpläne")
        ordering = ["title", "pk"]
        constraints = [
            *ScopedFields.scope_constraints("report_schedule"),
            # A report about one object is requested once, from its page (SUBJECT_KINDS).
            models.CheckConstraint(
                condition=~Q(kind__in=SUBJECT_KINDS), name="report_schedule_kind_repeats"
            ),
        ]

    def __str__(self) -> str:
        return self.title
