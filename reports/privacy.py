"""What the report archive holds about a person: the reports they requested (a PDF names its
requester on its first page) and the schedules that notify them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.personal_data import Holding, Subject, redact_rows, register

from .models import Report, ReportSchedule, report_storage


def _export(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "requested_at": r.created_at,
            "report": str(r),
            "status": r.get_status_display(),
        }
        for r in Report.objects.filter(requested_by=subject.user).select_related(
            "space", "authority", "fiscal_year"
        )
    ]


def _export_schedules(subject: Subject) -> list[dict[str, Any]]:
    return [
        {"schedule": s.title, "created_by_me": s.created_by_id == subject.user.pk}
        for s in ReportSchedule.objects.filter(recipients=subject.user)
        | ReportSchedule.objects.filter(created_by=subject.user)
    ]


def _anonymise(subject: Subject) -> None:
    # The files name the requester: removed; the archive keeps the row without the name.
    for report in Report.objects.filter(requested_by=subject.user).exclude(file=""):
        report_storage.delete(report.file.name)
    Report.objects.filter(requested_by=subject.user).update(
        requested_by=None, file="", size=None, status="removed"
    )
    # What names the person in the archive of others (a schedule's title, an error).
    redact_rows(ReportSchedule.objects.all(), ("title",), subject, own=Q(created_by=subject.user))
    redact_rows(Report.objects.all(), ("error", "filename"), subject)
    for schedule in ReportSchedule.objects.filter(recipients=subject.user):
        schedule.recipients.remove(subject.user)
    ReportSchedule.objects.filter(created_by=subject.user).update(created_by=None, active=False)


register(
    Holding(
        key="reports",
        models=(Report, ReportSchedule, ReportSchedule.recipients.through),
        export=_export,
        anonymise=_anonymise,
        order=60,
    ),
    Holding(key="report_schedules", models=(), export=_export_schedules),
)
