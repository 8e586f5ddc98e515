"""The report archive (/reports/): request, follow, download; ITD's schedules."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_safe

from core.audiences import SignedInRequest, Viewer
from core.flows import handle_form
from core.forms import posted
from core.gone import deleted
from core.object_storage import STORE_ERRORS, store_unavailable, whole_file_response
from core.pdf import missing as pdf_missing

from . import registry, selectors, services
from .forms import ConfirmForm, ReportRequestForm, ScheduleForm
from .models import Report, ReportSchedule, Status, report_storage
from .permissions import REPORT, can, may_download

PER_PAGE = 25
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}

logger = logging.getLogger(__name__)


def _require(request: HttpRequest, action: str) -> None:
    if not can(request.user, action):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def archive(request: SignedInRequest) -> HttpResponse:
    """The reports the person may see, and the form to request one (prefilled from the query,
    e.g. by an export that is too large to answer at once)."""
    _require(request, "view_archive")
    initial = selectors.initial_request(request.user, request.GET)
    form = ReportRequestForm(posted(request), user=request.user, initial=initial)
    page = Paginator(selectors.archive(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return handle_form(
        request,
        form,
        save=lambda data: services.report_request(actor=request.user, **data),
        success=lambda report: reverse("reports:detail", args=[report.pk]),
        message=_requested,
        template="reports/archive.html",
        context={
            "page": page,
            "pdf_missing": pdf_missing(),
            "can_schedule": can(request.user, "schedule"),
            "retention_days": settings.REPORT_RETENTION_DAYS,
        },
    )


def _requested(report: Report) -> str:
    # Without a broker (make run) the report is written before this page answers.
    if Report.objects.filter(pk=report.pk, status=Status.READY).exists():
        return _("Der Bericht ist fertig.")
    return _("Der Bericht ist angefordert. Sie werden benachrichtigt, sobald er fertig ist.")


def _visible(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(selectors.archive(request.user), pk=pk)


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "subject_url": registry.subject_url(report),
            "may_download": report.status == Status.READY and may_download(request.user, report),
            "may_delete": REPORT.can(request.user, "delete", report) and not report.is_pending,
        },
    )


@login_required
@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Only for those who may see the report's content; everyone else gets 404."""
    report = _visible(request, pk)
    try:
        return file_response(request.user, report)
    except STORE_ERRORS:
        logger.warning("reports: the store cannot serve %s", report.file.name, exc_info=True)
        return store_unavailable(request)


def file_response(user: Viewer, report: Report) -> FileResponse | StreamingHttpResponse:
    """The report's file as a download (the page's and the API's): Http404 unless it is ready
    and the user may download it, or when the store has lost the file; an error of a store
    that does not answer (STORE_ERRORS) is the caller's to answer in its own form."""
    if report.status != Status.READY or not report.file or not may_download(user, report):
        raise Http404
    try:
        handle = report_storage.open(report.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return whole_file_response(
        handle,
        as_attachment=True,
        filename=report.filename,
        content_type=CONTENT_TYPES.get(report.format, "application/octet-stream"),
    )


@login_required
@require_safe
def status(request: HttpRequest) -> JsonResponse:
    """The archive's script asks for the reports still being written (?id=1&id=2)."""
    _require(request, "view_archive")
    ids = [int(v) for v in request.GET.getlist("id") if v.isdigit()]
    return JsonResponse({"reports": selectors.status_rows(request.user, ids)})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    if not REPORT.can(request.user, "delete", report):
        raise PermissionDenied
    return handle_form(
        request,
        ConfirmForm(posted(request)),
        save=lambda _data: services.report_delete(actor=request.user, report=report),
        success=lambda _result: reverse("reports:archive"),
        message=_("Der Bericht wurde gelöscht."),
        template="reports/confirm_delete.html",
        context={"target": report, "back": reverse("reports:detail", args=[report.pk])},
    )


# --- Schedules (ITD) --------------------------------------------------------------------------


@login_required
@require_safe
def schedule_list(request: HttpRequest) -> HttpResponse:
    _require(request, "schedule")
    return render(request, "reports/schedule_list.html", {"schedules": selectors.schedules()})


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    _require(request, "schedule")
    schedule = get_object_or_404(ReportSchedule, pk=pk) if pk else None
    form = ScheduleForm(posted(request), instance=schedule, user=request.user)
    return handle_form(
        request,
        form,
        save=lambda data: services.schedule_save(
            actor=request.user,
            schedule=schedule,
            recipients=list(data["recipients"]),
            **form.values(),
        ),
        success=lambda _result: reverse("reports:schedules"),
        message=_("Der Zeitplan wurde gespeichert."),
        template="reports/schedule_form.html",
        context={"schedule": schedule},
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(request, "schedule")
    schedule = get_object_or_404(ReportSchedule, pk=pk)
    return handle_form(
        request,
        ConfirmForm(posted(request)),
        save=lambda _data: services.schedule_delete(actor=request.user, schedule=schedule),
        success=lambda _result: deleted(
            request,
            reverse("reports:schedule_edit", kwargs={"pk": pk}),
            title=schedule.title,
            onward=reverse("reports:schedules"),
            onward_label=gettext_noop("Zu den Zeitplänen"),
        ),
        message=_("Der Zeitplan wurde gelöscht; die erstellten Berichte bleiben im Archiv."),
        template="reports/confirm_delete.html",
        context={"target": schedule, "back": reverse("reports:schedules")},
    )
