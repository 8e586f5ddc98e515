"""Projects: the portfolio, project pages, budget editing, exports, cost rates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors, posted
from core.models import SecurityEvent
from core.services import security_log
from core.templatetags.portal import euro

from . import exports, permissions, selectors, services
from .forms import (
    BudgetLineFormSet,
    CostRateForm,
    DeleteConfirmForm,
    FiscalYearForm,
    LinkFormSet,
    MilestoneFormSet,
    ProgrammeBudgetForm,
    ProjectFilterForm,
    ProjectForm,
    line_initial,
)
from .models import (
    BudgetLine,
    CostCategory,
    CostRate,
    FiscalYear,
    FundingSource,
    Milestone,
    ProgrammeBudget,
    Project,
    ProjectLink,
)

PROJECTS_PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[ProjectFilterForm, dict]:
    form = ProjectFilterForm(request.GET or None, years=selectors.fiscal_years())
    if not request.GET:
        return form, {}
    if form.is_valid():
        return form, {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    # Invalid filters are reported at their field; the valid ones still apply.
    return form, {
        k: v
        for k, v in getattr(form, "cleaned_data", {}).items()
        if k not in form.errors and v not in (None, "")
    }


# --- Portfolio --------------------------------------------------------------------------------


def project_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    year = filters.get("year")
    projects = selectors.portfolio(request.user, **filters)
    show_budget = permissions.can_see_any_budget(request.user)
    page_qs = selectors.with_budget(projects, request.user, year=year) if show_budget else projects
    page = Paginator(page_qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.rows_with_figures(page.object_list),
            "query": query.urlencode(),
            "show_budget": show_budget,
            "totals": selectors.portfolio_totals(request.user, projects, year=year)
            if show_budget
            else None,
            "year": year,
            "can_create": permissions.can_create_project(request.user),
            "can_manage_rates": permissions.can_manage_cost_rates(request.user),
        },
        status=400 if form.errors else 200,
    )


def _export(request: HttpRequest, fmt: str, *, kind: str) -> HttpResponse:
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    _form, filters = _filters(request)
    year = filters.get("year")
    projects = selectors.portfolio(request.user, **filters)
    if kind == "budget":
        header, rows = exports.budget_lines_table(request.user, projects, year=year)
        filename, sheet = "budgetzeilen", _("Budgetzeilen")
    else:
        header, rows = exports.portfolio_table(request.user, projects, year=year)
        filename, sheet = "portfolio", _("Portfolio")
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
        return exports.render_csv(header, rows, filename)
    return exports.render_xlsx(header, rows, filename, sheet)


def portfolio_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered portfolio as the viewer sees it."""
    return _export(request, fmt, kind="portfolio")


@login_required
def budget_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The budget lines of the filtered portfolio whose budget the viewer may see."""
    if not permissions.can_see_any_budget(request.user):
        raise PermissionDenied
    return _export(request, fmt, kind="budget")


# --- Project ----------------------------------------------------------------------------------


def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = selectors.project_for_detail(request.user, slug)
    return render(
        request,
        "projects/project_detail.html",
        {"detail": selectors.project_detail(request.user, project)},
    )


def _editable(request: HttpRequest, slug: str) -> Project:
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("primary_space", "lead_authority"),
        slug=slug,
    )
    if not permissions.can_edit_project(request.user, project):
        raise PermissionDenied
    return project


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_project(request.user):
        raise PermissionDenied
    form = ProjectForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        fields, m2m = form.field_values()
        try:
            project = services.project_create(actor=request.user, m2m=m2m, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Das Projekt wurde angelegt."))
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, slug: str) -> HttpResponse:
    project = _editable(request, slug)
    form = ProjectForm(posted(request), instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields, m2m = form.field_values()
        try:
            project = services.project_update(
                actor=request.user,
                project=project,
                version=form.cleaned_data.get("version") or 0,
                m2m=m2m,
                **fields,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Die Änderungen wurden gespeichert."))
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_delete(request: HttpRequest, slug: str) -> HttpResponse:
    project = _editable(request, slug)
    form = DeleteConfirmForm(posted(request), initial={"version": project.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.project_delete(
                actor=request.user, project=project, version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Das Projekt „%(title)s“ wurde gelöscht. Das Änderungsprotokoll bleibt erhalten.")
                % {"title": project.title},
            )
            return redirect("projects:list")
    return render(
        request,
        "projects/confirm_delete.html",
        {
            "project": project,
            "title": _("Projekt löschen"),
            "question": _(
                "Soll das Projekt „%(title)s“ mit allen Meilensteinen, Links und "
                "Budgetzeilen gelöscht werden?"
            )
            % {"title": project.title},
            "line_count": project.budget_lines.count(),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Milestones and links ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_milestones(request: HttpRequest, slug: str) -> HttpResponse:
    """Milestones and links of a project, edited in one form (deleting has its own page)."""
    project = _editable(request, slug)
    milestones = {m.pk: m for m in project.milestones.all()}
    links = {link.pk: link for link in project.links.all()}
    m_initial = [
        {"milestone_id": m.pk, "title": m.title, "due": m.due, "done": m.done}
        for m in milestones.values()
    ]
    l_initial = [{"link_id": k.pk, "title": k.title, "url": k.url} for k in links.values()]
    data = posted(request)
    m_formset = MilestoneFormSet(data, initial=m_initial, prefix="milestones")
    l_formset = LinkFormSet(data, initial=l_initial, prefix="links")
    if request.method == "POST" and m_formset.is_valid() and l_formset.is_valid():
        from django.db import transaction

        try:
            with transaction.atomic():
                for i, form in enumerate(m_formset):
                    if not form.has_changed():
                        continue
                    mid = form.cleaned_data.get("milestone_id")
                    if mid and mid not in milestones:
                        form.add_error(
                            None,
                            _(
                                "Dieser Meilenstein gehört nicht (mehr) zu diesem Projekt: "
                                "bitte laden Sie die Seite neu."
                            ),
                        )
                        raise ValidationError("unknown milestone")
                    try:
                        services.milestone_save(
                            actor=request.user,
                            project=project,
                            milestone=milestones.get(mid),
                            title=form.cleaned_data["title"],
                            due=form.cleaned_data["due"],
                            done=form.cleaned_data["done"],
                        )
                    except ValidationError as error:
                        add_service_errors(m_formset[i], error)
                        raise
                for i, form in enumerate(l_formset):
                    if not form.has_changed():
                        continue
                    lid = form.cleaned_data.get("link_id")
                    if lid and lid not in links:
                        form.add_error(
                            None,
                            _(
                                "Dieser Link gehört nicht (mehr) zu diesem Projekt: bitte laden "
                                "Sie die Seite neu."
                            ),
                        )
                        raise ValidationError("unknown link")
                    try:
                        services.link_save(
                            actor=request.user,
                            project=project,
                            link=links.get(lid),
                            title=form.cleaned_data["title"],
                            url=form.cleaned_data["url"],
                        )
                    except ValidationError as error:
                        add_service_errors(l_formset[i], error)
                        raise
        except ValidationError:
            pass
        else:
            messages.success(request, _("Meilensteine und Links wurden gespeichert."))
            return redirect(project)
    return render(
        request,
        "projects/milestone_form.html",
        {"project": project, "m_formset": m_formset, "l_formset": l_formset},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _editable(request, slug)
    milestone = get_object_or_404(Milestone, pk=pk, project=project)
    form = DeleteConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.milestone_delete(actor=request.user, milestone=milestone)
        messages.success(request, _("Der Meilenstein wurde gelöscht."))
        return redirect("projects:milestones", slug=project.slug)
    return render(
        request,
        "projects/confirm_delete.html",
        {
            "project": project,
            "title": _("Meilenstein löschen"),
            "question": _("Soll der Meilenstein „%(title)s“ gelöscht werden?")
            % {"title": milestone.title},
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def link_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _editable(request, slug)
    link = get_object_or_404(ProjectLink, pk=pk, project=project)
    form = DeleteConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.link_delete(actor=request.user, link=link)
        messages.success(request, _("Der Link wurde gelöscht."))
        return redirect("projects:milestones", slug=project.slug)
    return render(
        request,
        "projects/confirm_delete.html",
        {
            "project": project,
            "title": _("Link löschen"),
            "question": _("Soll der Link „%(title)s“ gelöscht werden?") % {"title": link.title},
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Budget -----------------------------------------------------------------------------------


def _budget_project(request: HttpRequest, slug: str) -> Project:
    project = get_object_or_404(
        Project.objects.visible_to(request.user)
        .select_related("primary_space", "lead_authority")
        .prefetch_related("spaces", "participating_authorities"),
        slug=slug,
    )
    if not permissions.can_edit_budget(request.user, project):
        raise PermissionDenied
    return project


def _rows_from_formset(formset, lines: dict[int, BudgetLine]) -> tuple[list, list[int]]:
    rows, indexes = [], []
    for index, form in enumerate(formset):
        data = form.cleaned_data
        if not data or form.is_blank:
            continue
        line_id = data.get("line_id")
        if line_id and line_id not in lines:
            form.add_error(
                None,
                _(
                    "Diese Zeile gehört nicht (mehr) zu diesem Haushaltsjahr des Projekts. Ihre "
                    "Eingaben wurden nicht gespeichert: Bitte laden Sie die Seite neu."
                ),
            )
            continue
        rows.append(
            services.LineInput(
                line=lines.get(line_id) if line_id else None,
                version=data.get("version"),
                category=data["category"],
                funding_source=data["funding_source"],
                einzelplan=data.get("einzelplan", ""),
                aufgabenbereich=data.get("aufgabenbereich", ""),
                produktgruppe=data.get("produktgruppe", ""),
                planned=data.get("planned"),
                revised=data.get("revised"),
                committed=data.get("committed"),
                actual=data.get("actual"),
                note=data.get("note", ""),
                fte=data.get("fte"),
                pay_grade=data.get("pay_grade", ""),
                months=data.get("months"),
            )
        )
        indexes.append(index)
    return rows, indexes


@login_required
@require_http_methods(["GET", "POST"])
def budget_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The lines of one fiscal year, edited in one form; all are saved or none."""
    project = _budget_project(request, slug)
    years = list(FiscalYear.objects.filter(year__range=(project.start.year, project.end.year)))
    year_form = FiscalYearForm(
        request.GET or {"year": years[0].year if years else project.start.year}
    )
    context = {"project": project, "year_form": year_form, "years": years}
    fiscal_year = None
    if year_form.is_valid():
        year = year_form.cleaned_data["year"]
        fiscal_year = FiscalYear.objects.filter(year=year).first()
        if fiscal_year is None:
            year_form.add_error(
                "year", _("Für %(year)s ist kein Haushaltsjahr angelegt.") % {"year": year}
            )
        else:
            try:
                services.check_fiscal_year(project, fiscal_year)
            except ValidationError as error:
                year_form.add_error("year", error.message_dict["fiscal_year"])
                fiscal_year = None
    if fiscal_year is None:
        return render(request, "projects/budget_form.html", context, status=400)

    ctx = selectors.budget_form_context(project, fiscal_year)
    lines = {line.pk: line for line in ctx["lines"]}
    formset_kwargs = {
        "categories": list(CostCategory.objects.all()),
        "sources": list(FundingSource.objects.all()),
    }
    service_errors: list[str] = []
    if request.method == "POST":
        formset = BudgetLineFormSet(request.POST, prefix="lines", **formset_kwargs)
        if formset.is_valid():
            rows, indexes = _rows_from_formset(formset, lines)
            if not any(form.errors for form in formset):
                try:
                    services.budget_lines_save(
                        actor=request.user, project=project, fiscal_year=fiscal_year, rows=rows
                    )
                except services.BudgetLinesInvalid as invalid:
                    for row_index, error in invalid.errors.items():
                        add_service_errors(formset[indexes[row_index]], error)
                except ValidationError as error:
                    service_errors = error.messages
                else:
                    messages.success(
                        request,
                        _("Die Budgetzeilen für %(year)s wurden gespeichert.")
                        % {"year": fiscal_year.year},
                    )
                    return redirect(f"{project.get_absolute_url()}#budget-{fiscal_year.year}")
        status = 400
    else:
        formset = BudgetLineFormSet(
            prefix="lines",
            initial=[line_initial(line) for line in ctx["lines"]],
            **formset_kwargs,
        )
        status = 200
    context.update(ctx)
    context.update(
        {
            "fiscal_year": fiscal_year,
            "formset": formset,
            "service_errors": service_errors,
            "formset_has_errors": any(f.errors for f in formset)
            or formset.non_form_errors()
            or service_errors,
        }
    )
    return render(request, "projects/budget_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def budget_line_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _budget_project(request, slug)
    line = get_object_or_404(
        BudgetLine.objects.select_related("fiscal_year", "category", "funding_source", "project"),
        pk=pk,
        project=project,
    )
    form = DeleteConfirmForm(posted(request), initial={"version": line.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_line_delete(
                actor=request.user, line=line, version=form.cleaned_data.get("version") or 0
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Die Budgetzeile wurde gelöscht; ihre Werte bleiben im Änderungsprotokoll."),
            )
            return redirect(f"{reverse_budget(project)}?year={line.fiscal_year.year}")
    return render(
        request,
        "projects/confirm_delete.html",
        {
            "project": project,
            "title": _("Budgetzeile löschen"),
            "question": _("Soll die Budgetzeile %(line)s (Plan %(planned)s) gelöscht werden?")
            % {"line": line, "planned": euro(line.planned)},
            "note": _("Die Werte der Zeile bleiben im Änderungsprotokoll des Projekts erhalten."),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def reverse_budget(project: Project) -> str:
    return reverse("projects:budget", kwargs={"slug": project.slug})


# --- Reference data (ITD) ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cost_rates(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_cost_rates(request.user):
        raise PermissionDenied
    form = CostRateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            rate, recomputed = services.cost_rate_set(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Kostensatz %(rate)s gespeichert; %(count)s Personalzeile(n) neu berechnet.")
                % {"rate": rate, "count": recomputed},
            )
            return redirect("projects:cost_rates")
    rates = CostRate.objects.select_related("fiscal_year").order_by(
        "-fiscal_year__year", "pay_grade"
    )
    return render(
        request,
        "projects/cost_rates.html",
        {"form": form, "rates": rates},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_budget(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_cost_rates(request.user):
        raise PermissionDenied
    budget = ProgrammeBudget.current()
    form = ProgrammeBudgetForm(
        posted(request), initial={"amount": budget.amount, "note": budget.note}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_budget_set(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Das Programmbudget wurde gespeichert."))
            return redirect("projects:programme_budget")
    programme, everything, _budget = selectors.rollup_programme()
    return render(
        request,
        "projects/programme_budget.html",
        {"form": form, "budget": budget, "programme": programme, "everything": everything},
        status=400 if request.method == "POST" else 200,
    )
