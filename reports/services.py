"""Requesting, writing, archiving and scheduling reports.

A request answers at once: the report is saved as "queued" and handed to a worker after commit.
The worker claims it under a row lock (so a task that runs twice writes it once), writes the
file to a local working directory, hands it to the report storage (the local disk or a bucket),
and in one transaction marks it ready and notifies the requester (the outbox); a file the store
refuses marks the report failed with the reason, and no file stays without its row. A worker
killed in the middle leaves it "running": the requeue job hands it out again after the task
time limit, at most REPORT_MAX_ATTEMPTS times.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import holidays
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from contacts.models import Authority, User
from core.audiences import Actor, Viewer
from core.dates import today
from core.object_storage import STORE_ERRORS, may_have_arrived
from core.pdf import PdfUnavailable
from notifications.kinds import Kind as NoticeKind
from notifications.services import language_of, notify
from projects.models import FiscalYear
from spaces.models import Space

from . import content, permissions, registry, writers
from .models import (
    FORMATS,
    SUBJECT_KINDS,
    Format,
    Kind,
    Report,
    ReportSchedule,
    Scope,
    Status,
    report_storage,
)

logger = logging.getLogger(__name__)


# --- Requesting -------------------------------------------------------------------------------


def check_parameters(
    *,
    kind: str,
    format: str,
    scope: str,
    space: Space | None,
    authority: Authority | None,
    fiscal_year: FiscalYear | None,
    subject_id: int | None = None,
) -> None:
    """Parameters that do not fit together (a clear message at the field, nothing saved)."""
    errors: dict[str, str] = {}
    spec = registry.kind(kind)
    formats = spec.formats if spec is not None else FORMATS.get(kind, ())
    if format not in formats:
        names = ", ".join(str(Format(f).label) for f in formats)
        errors["format"] = _("Dieser Bericht wird nur als %(formats)s erstellt.") % {
            "formats": names
        }
    if kind in SUBJECT_KINDS and (spec is None or subject_id is None):
        # A report about one object (a reporting round) is requested on that object's page.
        errors["kind"] = _(
            "Dieser Bericht wird auf der Seite seines Gegenstands angefordert (z. B. der "
            "Berichtsrunde)."
        )
    elif spec is not None and scope not in spec.scopes:
        names = ", ".join(str(Scope(s).label) for s in spec.scopes)
        errors["scope"] = _("Diesen Bericht gibt es nur für: %(scopes)s.") % {"scopes": names}
    if kind == Kind.BUDGET and fiscal_year is None:
        errors["fiscal_year"] = _("Bitte wählen Sie das Haushaltsjahr des Budgetberichts.")
    if scope == Scope.SPACE and space is None:
        errors["scope"] = _("Bitte wählen Sie den Raum.")
    if scope == Scope.AUTHORITY and authority is None:
        errors["scope"] = _("Bitte wählen Sie die Behörde.")
    if errors:
        raise ValidationError(errors)


def report_request(
    *,
    actor: Viewer,
    kind: str,
    format: str,
    scope: str,
    space: Space | None = None,
    authority: Authority | None = None,
    fiscal_year: FiscalYear | None = None,
    schedule: ReportSchedule | None = None,
    subject_id: int | None = None,
) -> Report:
    """Queue a report; PermissionDenied for a scope the actor may not use, or a subject (a
    registered kind's object, e.g. a reporting round) they may not request a report of."""
    if not permissions.may_use_scope(actor, scope, space=space, authority=authority):
        raise PermissionDenied
    spec = registry.kind(kind)
    if spec is not None and subject_id is not None and not spec.may_request(actor, subject_id):
        raise PermissionDenied
    assert isinstance(actor, User)
    space = space if scope == Scope.SPACE else None
    authority = authority if scope == Scope.AUTHORITY else None
    check_parameters(
        kind=kind,
        format=format,
        scope=scope,
        space=space,
        authority=authority,
        fiscal_year=fiscal_year,
        subject_id=subject_id,
    )
    # Checked above: a subject's kind has its spec and its subject here.
    label = "" if spec is None or subject_id is None else spec.describe(subject_id, scope, space)
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind,
            format=format,
            scope=scope,
            space=space,
            authority=authority,
            # The budget's kinds are of a year; the others show the state they were written in.
            fiscal_year=fiscal_year if kind in (Kind.BUDGET, Kind.LINES) else None,
            subject_id=subject_id if kind in SUBJECT_KINDS else None,
            subject_label=label[:200],
            requested_by=actor,
            schedule=schedule,
            enqueued_at=timezone.now(),
        )
        transaction.on_commit(lambda: enqueue(report.pk))
    return report


def enqueue(report_id: int) -> None:
    """Hand a report to a worker; if the broker is down, the requeue job does it later."""
    # Imported here: the tasks module imports this one (its tasks call these services).
    from . import tasks

    try:
        tasks.generate_report.apply_async(args=(report_id,), retry=False)
    except Exception:  # the broker is unreachable: the request must not fail, nothing is lost
        logger.warning("could not enqueue report %s; the requeue job will", report_id)


# --- Writing ----------------------------------------------------------------------------------


def _claim(report_id: int) -> Report | None:
    """Mark the report running, if it is queued and no other worker has it."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("requested_by", "space", "authority", "fiscal_year")
            .filter(pk=report_id, status=Status.QUEUED)
            .first()
        )
        if report is None:
            return None
        report.status = Status.RUNNING
        report.started_at = timezone.now()
        report.attempts += 1
        report.progress = 1
        report.save(update_fields=["status", "started_at", "attempts", "progress"])
    return report


def _progress(report_id: int, percent: int) -> None:
    Report.objects.filter(pk=report_id, status=Status.RUNNING).update(
        progress=max(1, min(int(percent), 99))
    )


def _meta(report: Report) -> content.Meta:
    kind = str(report.get_kind_display())
    return content.Meta(
        title=f"{kind} {report.subject_label}" if report.subject_label else kind,
        scope=report.scope_label,
        requester=report.requested_by.get_full_name() if report.requested_by else "–",
        created=timezone.localtime(),
        fiscal_year=report.fiscal_year,
    )


def download_name(report: Report) -> str:
    parts = [str(report.get_kind_display()).split(" (")[0]]
    if report.subject_label:
        # "2026/1" -> "2026-1" (slugify would drop the slash and run the figures together).
        parts.append(report.subject_label.replace("/", "-"))
    if report.fiscal_year is not None:
        parts.append(str(report.fiscal_year.year))
    parts.append(report.scope_label)
    parts.append(timezone.localtime(report.created_at).strftime("%Y-%m-%d"))
    return f"{slugify('-'.join(parts))[:150]}.{report.format}"


def generate(report_id: int) -> str:
    """Write one queued report: "ready", "failed", or "skipped" when it is not queued."""
    report = _claim(report_id)
    if report is None:
        return "skipped"
    relative = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{report.format}"
    # The writers need a local file (XlsxWriter, WeasyPrint, PostgreSQL's COPY): written in a
    # directory of its own, then handed to the store (moved on a local disk, uploaded to a
    # bucket); the directory goes with whatever is left in it.
    with tempfile.TemporaryDirectory(prefix="report-", dir=settings.FILE_UPLOAD_TEMP_DIR) as work:
        written = Path(work) / f"report.{report.format}"
        try:
            with translation.override(language_of(report.requested_by)):
                condition = permissions.content_condition(report, report.requested_by)
                rows = writers.write(
                    report,
                    condition,
                    _meta(report),
                    written,
                    lambda percent: _progress(report.pk, percent),
                )
        except Exception as error:  # every failure is shown to the requester and ITD
            _fail(report, error)
            return "failed"
        size = written.stat().st_size
        try:
            with _WrittenFile(written) as file:
                stored = report_storage.save(relative, file)
        except STORE_ERRORS as error:
            if may_have_arrived(error):
                _forget(relative)
            _fail(report, StoreFailed(type(error).__name__))
            return "failed"
    return _finish(report, stored, size, rows)


class _WrittenFile(File):  # type: ignore[type-arg]
    """A finished local file: a local store moves it into place instead of copying it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path.open("rb"), name=path.name)
        self._path = path

    def temporary_file_path(self) -> str:
        self.close()  # moved, not read
        return str(self._path)


def _forget(name: str) -> None:
    """Remove a stored file that no report will name; should the store still fail, the
    retention job removes it later (`_purge_orphans`)."""
    try:
        report_storage.delete(name)
    except STORE_ERRORS:
        logger.warning("report file %s could not be removed; the purge job will", name)


def _finish(report: Report, stored: str, size: int, rows: int) -> str:
    try:
        with transaction.atomic():
            current = Report.objects.select_for_update().filter(pk=report.pk).first()
            if (
                current is None
                or current.status != Status.RUNNING
                or (current.attempts != report.attempts)
            ):
                transaction.on_commit(partial(_forget, stored))  # another attempt took over
                return "skipped"
            now = timezone.now()
            current.file.name = stored
            current.filename = download_name(current)
            current.size = size
            current.rows = rows
            current.status = Status.READY
            current.progress = 100
            current.finished_at = now
            current.expires_at = now + dt.timedelta(days=settings.REPORT_RETENTION_DAYS)
            current.save()
            _tell(current, NoticeKind.REPORT_READY)
    except BaseException:
        _forget(stored)
        raise
    return "ready"


class StoreFailed(RuntimeError):
    """The file was written but the store refused it or did not answer."""


class GaveUp(RuntimeError):
    """The report's worker died every time it was tried."""


def _failure_message(error: Exception) -> str:
    if isinstance(error, PdfUnavailable):
        return str(error)
    if isinstance(error, StoreFailed):
        return _(
            "Der Bericht wurde erstellt, konnte aber nicht abgelegt werden: der Dateispeicher "
            "hat die Datei abgelehnt oder nicht geantwortet (%(error)s). Bitte fordern Sie ihn "
            "später erneut an; ITD ist informiert."
        ) % {"error": error.args[0]}
    if isinstance(error, GaveUp):
        return _(
            "Der Bericht wurde nach %(n)s abgebrochenen Versuchen aufgegeben. Bitte fordern "
            "Sie ihn erneut an oder wenden Sie sich an ITD."
        ) % {"n": error.args[0]}
    if isinstance(error, SoftTimeLimitExceeded):
        return _(
            "Der Bericht hat das Zeitlimit überschritten. Bitte wählen Sie einen kleineren "
            "Umfang oder wenden Sie sich an ITD."
        )
    return _("Beim Erstellen ist ein Fehler aufgetreten; ITD ist informiert. (%(error)s)") % {
        "error": type(error).__name__
    }


def _fail(report: Report, error: Exception) -> None:
    if not isinstance(error, PdfUnavailable | GaveUp):
        logger.exception("report %s failed", report.pk, exc_info=error)
    with transaction.atomic():
        updated = Report.objects.filter(
            pk=report.pk, status__in=[Status.QUEUED, Status.RUNNING]
        ).update(
            status=Status.FAILED,
            error=_failure_message(error)[:500],
            finished_at=timezone.now(),
        )
        if updated:
            report.refresh_from_db()
            _tell(report, NoticeKind.REPORT_FAILED)


def _tell(report: Report, kind: str) -> None:
    """The requester, and a schedule's recipients who may see the report, are notified."""
    people: list[Any] = [report.requested_by] if report.requested_by else []
    if report.schedule is not None:
        people += list(report.schedule.recipients.filter(is_active=True))
    seen: set[int] = set()
    for person in people:
        if person.pk in seen or not permissions.may_download(person, report):
            continue
        seen.add(person.pk)
        notify(
            kind=kind,
            recipient=person,
            compose=partial(_notice_text, report, kind),
            url=report_url(report),
            space=report.space,
            dedup_key=f"report:{report.pk}:{kind}",
        )


def report_url(report: Report) -> str:
    return reverse("reports:detail", args=[report.pk])


def _notice_text(report: Report, kind: str) -> tuple[str, list[str]]:
    with_year = str(report)
    if kind == NoticeKind.REPORT_READY:
        return _("Bericht fertig: %(report)s") % {"report": with_year}, [
            _("Sie können ihn im Berichtsarchiv herunterladen.")
        ]
    return _("Bericht fehlgeschlagen: %(report)s") % {"report": with_year}, [report.error]


# --- Jobs -------------------------------------------------------------------------------------


def requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Queued reports whose publish was lost, and running ones whose worker died, go out
    again; after REPORT_MAX_ATTEMPTS a report is marked failed."""
    now = now or timezone.now()
    lost = now - dt.timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER)
    dead = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    count = 0
    with transaction.atomic():
        stale = Report.objects.select_for_update(skip_locked=True).filter(
            Q(status=Status.QUEUED, enqueued_at__lt=lost)
            | Q(status=Status.RUNNING, started_at__lt=dead)
        )
        for report in stale:
            if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
                _fail(report, GaveUp(report.attempts))
                continue
            report.status = Status.QUEUED
            report.enqueued_at = now
            report.save(update_fields=["status", "enqueued_at"])
            transaction.on_commit(partial(enqueue, report.pk))
            count += 1
    return count


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Remove the files of reports past their retention; the archive keeps the row."""
    now = now or timezone.now()
    count = 0
    for report in Report.objects.filter(status=Status.READY, expires_at__lte=now):
        _remove_file(report)
        count += 1
    _purge_orphans(now - dt.timedelta(days=settings.REPORT_RETENTION_DAYS))
    return count


def _stored_names(directory: str = "") -> list[str]:
    """Every file of the report storage (recursively)."""
    try:
        directories, names = report_storage.listdir(directory)
    except FileNotFoundError:
        return []
    prefix = f"{directory}/" if directory else ""
    found = [f"{prefix}{name}" for name in names]
    for sub in directories:
        found += _stored_names(f"{prefix}{sub}")
    return found


def _purge_orphans(cutoff: dt.datetime) -> int:
    """Files no report names (an upload that timed out but arrived, a removal that failed)
    are removed once older than the retention period; one being written now stays."""
    referenced = set(Report.objects.exclude(file="").values_list("file", flat=True))
    removed = 0
    for name in _stored_names():
        if name in referenced or report_storage.get_modified_time(name) >= cutoff:
            continue
        report_storage.delete(name)
        logger.info("reports: removed file %s that no report names", name)
        removed += 1
    return removed


def _remove_file(report: Report) -> None:
    if report.file:
        report_storage.delete(report.file.name)
    Report.objects.filter(pk=report.pk).update(status=Status.REMOVED, file="", size=None)


def report_delete(*, actor: Viewer, report: Report) -> None:
    """The requester or ITD removes a report (its file at once)."""
    if not permissions.REPORT.can(actor, "delete", report):
        raise PermissionDenied
    if report.is_pending:
        raise ValidationError(
            _("Ein Bericht, der gerade erstellt wird, kann nicht gelöscht werden.")
        )
    if report.file:
        report_storage.delete(report.file.name)
    report.delete()


# --- Schedules --------------------------------------------------------------------------------


def first_working_day(year: int, month: int) -> dt.date:
    """The first day of the month that is neither a weekend nor a public holiday in Hamburg."""
    off = holidays.country_holidays("DE", subdiv="HH", years=year)
    day = dt.date(year, month, 1)
    while day.weekday() >= 5 or day in off:
        day += dt.timedelta(days=1)
    return day


def first_working_day_of_week(on: dt.date) -> dt.date:
    off = holidays.country_holidays("DE", subdiv="HH", years={on.year - 1, on.year, on.year + 1})
    day = on - dt.timedelta(days=on.weekday())
    while day.weekday() >= 5 or day in off:
        day += dt.timedelta(days=1)
    return day


def is_due(schedule: ReportSchedule, on: dt.date) -> bool:
    if not schedule.active or schedule.last_run_on == on:
        return False
    if schedule.cadence == ReportSchedule.Cadence.MONTHLY:
        return on == first_working_day(on.year, on.month)
    return on == first_working_day_of_week(on)


def schedules_run_due(*, on: dt.date | None = None) -> int:
    """Daily: the reports of every schedule due today, each once."""
    on = on or today()
    count = 0
    for schedule in ReportSchedule.objects.filter(active=True):
        if not is_due(schedule, on):
            continue
        with transaction.atomic():
            locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
            if locked.last_run_on == on:
                continue
            ReportSchedule.objects.filter(pk=schedule.pk).update(last_run_on=on)
            try:
                report_request(
                    actor=locked.created_by,
                    kind=locked.kind,
                    format=locked.format,
                    scope=locked.scope,
                    space=locked.space,
                    authority=locked.authority,
                    fiscal_year=FiscalYear.objects.filter(year=on.year).first(),
                    schedule=locked,
                )
            except (PermissionDenied, ValidationError) as error:
                logger.warning("schedule %s cannot run: %r", schedule.pk, error)
                continue
        count += 1
    return count


def _check_recipients(schedule: ReportSchedule, recipients: list[User]) -> None:
    probe = Report(
        kind=schedule.kind,
        format=schedule.format,
        scope=schedule.scope,
        space=schedule.space,
        authority=schedule.authority,
    )
    blind = [u for u in recipients if not permissions.REPORT.can(u, "view", probe)]
    if blind:
        raise ValidationError(
            {
                "recipients": _(
                    "Diese Personen dürfen den Inhalt des Berichts nicht sehen: %(names)s"
                )
                % {"names": ", ".join(u.get_full_name() or u.email for u in blind)}
            }
        )


def schedule_save(
    *,
    actor: Actor,
    schedule: ReportSchedule | None,
    recipients: list[User],
    **values: Any,
) -> ReportSchedule:
    if not permissions.can(actor, "schedule"):
        raise PermissionDenied
    schedule = schedule or ReportSchedule(created_by=actor)
    for name, value in values.items():
        setattr(schedule, name, value)
    if schedule.scope != Scope.SPACE:
        schedule.space = None
    if schedule.scope != Scope.AUTHORITY:
        schedule.authority = None
    check_parameters(
        kind=schedule.kind,
        format=schedule.format,
        scope=schedule.scope,
        space=schedule.space,
        authority=schedule.authority,
        fiscal_year=FiscalYear(year=today().year),
    )
    _check_recipients(schedule, recipients)
    with transaction.atomic():
        schedule.full_clean()
        schedule.save()
        schedule.recipients.set(recipients)
    return schedule


def schedule_delete(*, actor: Actor, schedule: ReportSchedule) -> None:
    if not permissions.can(actor, "schedule"):
        raise PermissionDenied
    schedule.delete()
