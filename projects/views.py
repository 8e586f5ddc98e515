"""Projects: the portfolio, project pages, budget editing, exports, cost rates."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import add_row_data, posted, quiet_formset
from core.gone import deleted
from core.models import SecurityEvent
from core.money import format_euro
from core.services import security_log

from . import exports, page, services
from .forms import (
    BudgetLineFormSet,
    CostRateForm,
    DeleteConfirmForm,
    FiscalYearForm,
    MilestonesAndLinksForm,
    ProgrammeBudgetForm,
    ProjectFilterForm,
    ProjectForm,
    line_initial,
)
from .models import BudgetLine, Milestone, ProgrammeBudget, Project, ProjectLink
from .permissions import PROJECT, can
from .selectors import money, portfolio, project_page

PROJECTS_PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[ProjectFilterForm, dict[str, Any]]:
    """The portfolio's filters from the address; invalid ones are reported at their field while
    the valid ones still apply."""
    form = ProjectFilterForm(request.GET or None, years=project_page.fiscal_years())
    return form, form.valid_filters()


# --- Portfolio --------------------------------------------------------------------------------


@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    year = filters.get("year")
    projects = portfolio.portfolio(request.user, **filters)
    show_budget = can(request.user, "see_any_budget")
    page_qs = money.with_budget(projects, request.user, year=year) if show_budget else projects
    page = Paginator(page_qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    totals = money.portfolio_totals(request.user, projects, year=year) if show_budget else None
    return render(
        request,
        "projects/project_list.html",
        {
            "form": form,
            "page": page,
            "rows": portfolio.rows_with_figures(page.object_list),
            "query": form.query_without_page(),
            "show_budget": show_budget,
            "totals": totals,
            "year": year,
            "can_create": can(request.user, "create_project"),
            "can_manage_rates": can(request.user, "manage_cost_rates"),
        },
        status=400 if form.errors else 200,
    )


def _export(request: HttpRequest, fmt: str, *, kind: str) -> HttpResponseBase:
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    _form, filters = _filters(request)
    projects = portfolio.portfolio(request.user, **filters)
    if request.user.is_authenticated:
        security_log(
            kind=SecurityEvent.Kind.DATA_EXPORT,
            user=request.user,
            request=request,
            export=kind,
            format=fmt,
            filters={k: str(v) for k, v in filters.items()},
        )
    if fmt == "csv":
        return exports.csv_export(kind, request.user, projects, year=filters.get("year"))
    if kind == "budget" or projects.count() > settings.EXPORT_SYNC_LIMIT:
        return _offer_report(request, kind, filters)
    table = exports.budget_lines_table if kind == "budget" else exports.portfolio_table
    header, rows = table(request.user, projects, year=filters.get("year"))
    filename, sheet = exports.NAMES[kind]
    return exports.render_xlsx(header, rows, filename, str(sheet))


def _offer_report(request: HttpRequest, kind: str, filters: dict[str, Any]) -> HttpResponse:
    """An XLSX too large to write inside the request (and always the budget lines): offer the
    background report of the reports app, prefilled, and the streamed CSV of the same rows."""
    query = {"kind": "lines" if kind == "budget" else "budget", "format": "xlsx"}
    for name, key in (("space", "slug"), ("authority", "code")):
        if filters.get(name) is not None:
            query[name] = getattr(filters[name], key)
    if filters.get("year"):
        query["fiscal_year"] = str(filters["year"])
    narrowing = sorted(set(filters) - {"space", "authority", "year", "sort"})
    csv_query = request.GET.copy()
    return render(
        request,
        "projects/export_offer.html",
        {
            "kind": kind,
            "report_query": urlencode(query),
            "csv_query": csv_query.urlencode(),
            "narrowing": narrowing,
            "limit": settings.EXPORT_SYNC_LIMIT,
        },
    )


@require_safe
def portfolio_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered portfolio as the viewer sees it."""
    return _export(request, fmt, kind="portfolio")


@login_required
@require_safe
def budget_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The budget lines of the filtered portfolio whose budget the viewer may see."""
    if not can(request.user, "see_any_budget"):
        raise PermissionDenied
    return _export(request, fmt, kind="budget")


# --- Project ----------------------------------------------------------------------------------


@require_safe
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_page.project_for_detail(request.user, slug)
    return render(
        request,
        "projects/project_detail.html",
        {
            "detail": project_page.project_detail(request.user, project),
            "sections": page.sections(request.user, project),
        },
    )


def _project_for(request: HttpRequest, slug: str, action: str) -> Project:
    """The project from the viewer's scope (404), if the viewer may do `action` with it (403)."""
    project = get_object_or_404(
        Project.objects.visible_to(request.user)
        .select_related("primary_space", "lead_authority")
        .prefetch_related("spaces", "participating_authorities"),
        slug=slug,
    )
    if not PROJECT.can(request.user, action, project):
        raise PermissionDenied
    return project


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: SignedInRequest) -> HttpResponse:
    if not can(request.user, "create_project"):
        raise PermissionDenied
    return handle_form(
        request,
        ProjectForm(posted(request), user=request.user),
        save=lambda data: services.project_create(actor=request.user, **data),
        success=lambda project: project.get_absolute_url(),
        message=_("Das Projekt wurde angelegt."),
        template="projects/project_form.html",
        context={"project": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: SignedInRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "edit")
    return handle_form(
        request,
        ProjectForm(posted(request), instance=project, user=request.user),
        save=lambda data: services.project_update(actor=request.user, project=project, **data),
        success=lambda saved: saved.get_absolute_url(),
        message=_("Die Änderungen wurden gespeichert."),
        template="projects/project_form.html",
        context={"project": project},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_delete(request: SignedInRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "delete")
    return handle_form(
        request,
        DeleteConfirmForm(posted(request), initial={"version": project.version}),
        save=lambda data: services.project_delete(
            actor=request.user, project=project, version=data["version"]
        ),
        success=lambda _result: deleted(
            request,
            project.get_absolute_url(),
            title=project.title,
            onward=reverse("projects:list"),
            onward_label=gettext_noop("Zur Projektübersicht"),
        ),
        message=_("Das Projekt „%(title)s“ wurde gelöscht. Das Änderungsprotokoll bleibt erhalten.")
        % {"title": project.title},
        template="projects/confirm_delete.html",
        context={
            "project": project,
            "title": _("Projekt löschen"),
            "question": _(
                "Soll das Projekt „%(title)s“ mit allen Meilensteinen, Links und "
                "Budgetzeilen gelöscht werden?"
            )
            % {"title": project.title},
            "line_count": project_page.line_count(project),
        },
    )


# --- Milestones and links ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_milestones(request: SignedInRequest, slug: str) -> HttpResponse:
    """Milestones and links of a project, edited in one form (deleting has its own page);
    "add a row" (without JavaScript) shows the rows again with one more, nothing written."""
    project = _project_for(request, slug, "edit")
    data, adding = add_row_data(request, ("milestones", "links"))
    form = MilestonesAndLinksForm(data, project=project)
    if adding:
        form.quiet()
        return render(request, "projects/milestone_form.html", {"project": project, "form": form})
    return handle_form(
        request,
        form,
        save=lambda data: services.project_milestones_save(
            actor=request.user, project=project, **data
        ),
        success=lambda _result: project.get_absolute_url(),
        message=_("Meilensteine und Links wurden gespeichert."),
        template="projects/milestone_form.html",
        context={"project": project},
    )


def _confirm_row_delete(
    request: HttpRequest,
    project: Project,
    *,
    title: str,
    question: str,
    done: str,
    delete: Any,
    row: Milestone | ProjectLink,
) -> HttpResponse:
    return handle_form(
        request,
        DeleteConfirmForm(posted(request)),
        save=lambda _data: delete(),
        success=lambda _result: deleted(
            request,
            request.path.removesuffix("delete/"),
            title=str(row),
            onward=reverse("projects:milestones", kwargs={"slug": project.slug}),
            onward_label=gettext_noop("Zu den Meilensteinen und Links"),
        ),
        message=done,
        template="projects/confirm_delete.html",
        context={"project": project, "title": title, "question": question},
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_delete(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_for(request, slug, "edit")
    milestone = get_object_or_404(Milestone.objects.filter(project=project), pk=pk)
    return _confirm_row_delete(
        request,
        project,
        title=_("Meilenstein löschen"),
        question=_("Soll der Meilenstein „%(title)s“ gelöscht werden?") % {"title": milestone},
        done=_("Der Meilenstein wurde gelöscht."),
        delete=lambda: services.milestone_delete(actor=request.user, milestone=milestone),
        row=milestone,
    )


@login_required
@require_http_methods(["GET", "POST"])
def link_delete(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_for(request, slug, "edit")
    link = get_object_or_404(ProjectLink.objects.filter(project=project), pk=pk)
    return _confirm_row_delete(
        request,
        project,
        title=_("Link löschen"),
        question=_("Soll der Link „%(title)s“ gelöscht werden?") % {"title": link},
        done=_("Der Link wurde gelöscht."),
        delete=lambda: services.link_delete(actor=request.user, link=link),
        row=link,
    )


# --- Budget -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def budget_edit(request: SignedInRequest, slug: str) -> HttpResponse:
    """The lines of one fiscal year, edited in one form; all are saved or none. "Add a row"
    (without JavaScript) shows the rows again with one more, nothing written."""
    project = _project_for(request, slug, "edit_budget")
    year_form = FiscalYearForm(
        request.GET, project=project, default_year=project_page.default_budget_year(project)
    )
    context = {"project": project, "year_form": year_form, "years": year_form.fiscal_years}
    fiscal_year = year_form.fiscal_year
    if fiscal_year is None:
        return render(request, "projects/budget_form.html", context, status=400)
    lines = project_page.budget_form_context(project, fiscal_year)
    data, adding = add_row_data(request, ("lines",))
    formset = BudgetLineFormSet(
        data,
        prefix="lines",
        initial=[line_initial(line) for line in lines["lines"]],
        **project_page.budget_choices(),
    )
    context = {**context, **lines, "fiscal_year": fiscal_year, "formset": formset}
    if adding:
        quiet_formset(formset)
        return render(request, "projects/budget_form.html", context)
    return handle_form(
        request,
        formset,
        save=lambda data: services.budget_lines_save(
            actor=request.user, project=project, fiscal_year=fiscal_year, **data
        ),
        success=lambda _saved: f"{project.get_absolute_url()}#budget-{fiscal_year.year}",
        message=_("Die Budgetzeilen für %(year)s wurden gespeichert.") % {"year": fiscal_year},
        template="projects/budget_form.html",
        context=context,
    )


@login_required
@require_http_methods(["GET", "POST"])
def budget_line_delete(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_for(request, slug, "edit_budget")
    line = get_object_or_404(
        BudgetLine.objects.filter(project=project).select_related(
            "fiscal_year", "category", "funding_source", "project"
        ),
        pk=pk,
    )
    budget_url = reverse("projects:budget", kwargs={"slug": project.slug})
    return handle_form(
        request,
        DeleteConfirmForm(posted(request), initial={"version": line.version}),
        save=lambda data: services.budget_line_delete(
            actor=request.user, line=line, version=data.get("version") or 0
        ),
        success=lambda _result: deleted(
            request,
            request.path.removesuffix("delete/"),
            title=str(line),
            onward=f"{budget_url}?year={line.fiscal_year.year}",
            onward_label=gettext_noop("Zum Budget"),
        ),
        message=_("Die Budgetzeile wurde gelöscht; ihre Werte bleiben im Änderungsprotokoll."),
        template="projects/confirm_delete.html",
        context={
            "project": project,
            "title": _("Budgetzeile löschen"),
            "question": _("Soll die Budgetzeile %(line)s (Plan %(planned)s) gelöscht werden?")
            % {"line": line, "planned": format_euro(line.planned)},
            "note": _("Die Werte der Zeile bleiben im Änderungsprotokoll des Projekts erhalten."),
        },
    )


# --- Reference data (ITD) ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cost_rates(request: SignedInRequest) -> HttpResponse:
    if not can(request.user, "manage_cost_rates"):
        raise PermissionDenied
    return handle_form(
        request,
        CostRateForm(posted(request)),
        save=lambda data: services.cost_rate_set(actor=request.user, **data),
        success=lambda _result: reverse("projects:cost_rates"),
        message=lambda result: (
            _("Kostensatz %(rate)s gespeichert; %(count)s Personalzeile(n) neu berechnet.")
            % {"rate": result[0], "count": result[1]}
        ),
        template="projects/cost_rates.html",
        context={"rates": project_page.cost_rates()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_budget(request: SignedInRequest) -> HttpResponse:
    if not can(request.user, "manage_cost_rates"):
        raise PermissionDenied
    budget = ProgrammeBudget.current()
    programme, everything, _budget = money.rollup_programme()
    return handle_form(
        request,
        ProgrammeBudgetForm(
            posted(request), initial={"amount": budget.amount, "note": budget.note}
        ),
        save=lambda data: services.programme_budget_set(actor=request.user, **data),
        success=lambda _result: reverse("projects:programme_budget"),
        message=_("Das Programmbudget wurde gespeichert."),
        template="projects/programme_budget.html",
        context={"budget": budget, "programme": programme, "everything": everything},
    )
