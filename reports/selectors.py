"""Reads of the report archive: the reports a person sees, the scopes they may ask for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from contacts.models import Authority, User
from core.audiences import Viewer
from spaces.models import Space

from . import permissions
from .models import Report, ReportSchedule, Scope, Status


def archive(user: Viewer) -> QuerySet[Report]:
    return Report.objects.visible_to(user).select_related(
        "requested_by", "space", "authority", "fiscal_year", "schedule"
    )


def scope_value(item: Report | ReportSchedule) -> str:
    if item.scope == Scope.SPACE and item.space is not None:
        return f"space:{item.space.slug}"
    if item.scope == Scope.AUTHORITY and item.authority is not None:
        return f"authority:{item.authority.code}"
    return str(item.scope)


def scope_options(user: Viewer, *, fixed_only: bool = False) -> list[tuple[str, str]]:
    """The scopes `user` may request (as the form's select offers them): each tested with the
    rule the service checks (permissions.may_use_scope), on the few spaces and authorities."""
    may = permissions.may_use_scope
    options: list[tuple[str, str]] = []
    if may(user, Scope.PROGRAMME):
        options.append((Scope.PROGRAMME, _("gesamte Strategie (alle Projekte)")))
    options += [
        (f"space:{s.slug}", _("Raum %(name)s") % {"name": s.name})
        for s in Space.objects.all()
        if may(user, Scope.SPACE, space=s)
    ]
    options += [
        (f"authority:{a.code}", f"{a.name} ({a.code})")
        for a in Authority.objects.current().order_by("kind", "code")
        if may(user, Scope.AUTHORITY, authority=a)
    ]
    return options


def initial_request(user: Viewer, query: Mapping[str, str]) -> dict[str, str]:
    """The request form prefilled from the address (an export too large to answer at once
    links here with its kind, space or authority and year)."""
    initial = {k: query[k] for k in ("kind", "format", "fiscal_year") if query.get(k)}
    offered = [value for value, _label in scope_options(user)]
    wanted = [query.get("scope", "")]
    if query.get("space"):
        wanted.append(f"space:{query['space']}")
    if query.get("authority"):
        wanted.append(f"authority:{query['authority']}")
    wanted += offered[:1]
    chosen = next((value for value in wanted if value in offered), "")
    if chosen:
        initial["scope"] = chosen
    return initial


def status_rows(user: Viewer, ids: list[int]) -> list[dict[str, Any]]:
    """What the archive's script updates without a full reload."""
    rows = []
    for report in archive(user).filter(pk__in=ids[:100]):
        ready = report.status == Status.READY
        rows.append(
            {
                "id": report.pk,
                "status": report.status,
                "label": str(report.get_status_display()),
                "progress": report.progress,
                "pending": report.is_pending,
                "download": reverse("reports:download", args=[report.pk])
                if ready and permissions.may_download(user, report)
                else "",
                "size": report.size or 0,
                "error": report.error,
            }
        )
    return rows


def schedules() -> QuerySet[ReportSchedule]:
    return ReportSchedule.objects.select_related(
        "space", "authority", "created_by"
    ).prefetch_related("recipients")


def recipient_candidates() -> QuerySet[User]:
    """Who can receive a scheduled report: whoever may request one (GLOBAL "request": ITD
    staff, coordinators and officers, read as accounts); the form's service checks each
    against the report's scope."""
    return permissions.GLOBAL.holders("request").order_by("last_name", "first_name", "pk")
