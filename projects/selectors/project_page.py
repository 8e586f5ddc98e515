"""One project with what its page needs: facts, contacts, milestones, and for those who may see
it the budget per fiscal year and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _

from contacts.models import Authority, Person
from contacts.permissions import PERSON
from contacts.selectors import ContactCard, contact_cards
from core.audiences import Viewer
from core.dates import today
from core.models import AuditEntry
from spaces.models import Space

from ..models import (
    BudgetLine,
    CostCategory,
    CostRate,
    FiscalYear,
    FundingSource,
    Milestone,
    Project,
)
from ..permissions import PROJECT
from ..presenters import Names, shown_changes, shown_repr
from .money import Figures, lines_with_flag, project_total, project_year_figures, year_total


@dataclass
class YearBudget:
    year: FiscalYear
    lines: list[BudgetLine]
    totals: Figures


@dataclass
class AuditRow:
    entry: AuditEntry
    what: str
    changes: list[tuple[str, str, str]]


@dataclass
class ProjectDetail:
    project: Project
    can_edit: bool
    can_edit_budget: bool
    can_see_budget: bool
    contacts: list[ContactCard]
    milestones: list[Milestone]
    years: list[YearBudget] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    audit: list[AuditRow] = field(default_factory=list)
    budget_years: list[FiscalYear] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for m in self.milestones if m.is_overdue)

    @property
    def over_budget_years(self) -> list[int]:
        return [y.year.year for y in self.years if y.totals.over_budget]


def project_for_detail(user: Viewer, slug: str) -> Project:
    """The project with everything its page needs, from the viewer's scope (404 otherwise)."""
    qs = Project.objects.visible_to(user).select_related("primary_space", "lead_authority")
    qs = qs.prefetch_related(
        "spaces",
        "participating_authorities",
        "partner_organisations",
        Prefetch(
            "contact_persons",
            queryset=Person.objects.select_related("user", "authority", "organisation"),
        ),
        "links",
        "milestones",
    )
    return get_object_or_404(qs, slug=slug)


def project_audit_queryset(project: Project, limit: int = 200) -> QuerySet[AuditEntry]:
    """The newest entries about the project and its lines: served by two indexes (the object,
    and changes.project_ref), never by walking the whole log by date."""
    project_ct = ContentType.objects.get_for_model(Project)
    line_ct = ContentType.objects.get_for_model(BudgetLine)
    return AuditEntry.objects.filter(
        Q(content_type=project_ct, object_id=str(project.pk))
        | Q(content_type=line_ct, changes__project_ref=project.pk)
    ).order_by("-created_at", "-id")[:limit]


REFERENCE_DATA: tuple[type[models.Model], ...] = (Space, Authority, CostCategory, FundingSource)
LINE_NAME_PARTS = ("category", "funding_source")  # a budget line's stored name is made of these


def reference_names(pairs: set[tuple[type[models.Model], str]]) -> Names:
    """For each (model, field) that points to reference data: its objects' German names, as the
    trail stores them, -> their names in the active language. One query per referenced model,
    and only for the fields the entries name."""
    loaded: dict[type[models.Model], dict[str, str]] = {}
    names: dict[str, dict[str, str]] = {}
    for model, name in pairs:
        try:
            related = model._meta.get_field(name).related_model
        except FieldDoesNotExist:
            continue
        reference = next((r for r in REFERENCE_DATA if r is related), None)
        if reference is None:
            continue
        if reference not in loaded:
            objects = list(reference._default_manager.all())
            with translation.override("de"):
                stored = [str(o) for o in objects]
            loaded[reference] = {g: str(o) for g, o in zip(stored, objects, strict=True)}
        names[name] = loaded[reference]
    return names


def project_audit(project: Project, limit: int = 200) -> list[AuditRow]:
    """Changes to the project (status, health, ...) and to its budget lines, deleted ones too,
    with choices and reference data named in the reader's language."""
    project_ct = ContentType.objects.get_for_model(Project)
    entries = [
        (entry, Project if entry.content_type_id == project_ct.pk else BudgetLine)
        for entry in project_audit_queryset(project, limit)
    ]
    pairs: set[tuple[type[models.Model], str]] = {
        (model, name) for entry, model in entries for name in entry.changes or {}
    }
    pairs |= {
        (BudgetLine, name)
        for _e, model in entries
        if model is BudgetLine
        for name in LINE_NAME_PARTS
    }
    names = reference_names(pairs)
    rows = []
    for entry, model in entries:
        what = (
            _("Projekt")
            if model is Project
            else _("Budgetzeile %(line)s")
            % {"line": shown_repr(entry.object_repr, names, LINE_NAME_PARTS)}
        )
        changes = shown_changes(model, entry.changes, names)
        rows.append(AuditRow(entry=entry, what=what, changes=changes))
    return rows


def project_detail(user: Viewer, project: Project) -> ProjectDetail:
    """Everything about a project; the budget and audit trail only for those who may see them."""
    see_budget = PROJECT.can(user, "see_budget", project)
    detail = ProjectDetail(
        project=project,
        can_edit=PROJECT.can(user, "edit", project),
        can_edit_budget=PROJECT.can(user, "edit_budget", project),
        can_see_budget=see_budget,
        # Looked up together: a guest's "shares a space with me" for these few people, not
        # for everyone the guest shares a space with.
        contacts=contact_cards(
            user, [p for p in project.contact_persons.all() if PERSON.can(user, "see_name", p)]
        ),
        milestones=list(project.milestones.all()),
    )
    if not see_budget:
        return detail
    lines = lines_with_flag(
        BudgetLine.objects.filter(project=project)
        .select_related("fiscal_year", "category", "funding_source", "cost_rate")
        .order_by("fiscal_year__year", "category__position", "funding_source__position", "pk")
    )
    by_year: dict[int, YearBudget] = {}
    for line in lines:
        year = by_year.get(line.fiscal_year_id)
        if year is None:
            year = by_year[line.fiscal_year_id] = YearBudget(line.fiscal_year, [], Figures())
        year.lines.append(line)
    for fiscal_year_id, figures in project_year_figures(project).items():
        if fiscal_year_id in by_year:
            by_year[fiscal_year_id].totals = figures
    detail.years = sorted(by_year.values(), key=lambda y: y.year.year)
    detail.total = project_total(project)
    detail.audit = project_audit(project)
    if detail.can_edit_budget:
        detail.budget_years = list(
            FiscalYear.objects.filter(year__range=(project.start.year, project.end.year))
        )
    return detail


def budget_form_context(project: Project, fiscal_year: FiscalYear) -> dict[str, Any]:
    lines = list(
        BudgetLine.objects.filter(project=project, fiscal_year=fiscal_year)
        .select_related("category", "funding_source", "cost_rate", "fiscal_year")
        .order_by("category__position", "funding_source__position", "pk")
    )
    return {
        "lines": lines,
        "totals": year_total(project, fiscal_year),
        "rates": list(fiscal_year.cost_rates.order_by("pay_grade")),
    }


# --- The editing pages --------------------------------------------------------------------------


def fiscal_years() -> list[int]:
    return list(FiscalYear.objects.values_list("year", flat=True))


def line_count(project: Project) -> int:
    return BudgetLine.objects.filter(project=project).count()


def default_budget_year(project: Project) -> int:
    """The year the budget editor opens on: the current fiscal year (the calendar year in
    Hamburg, core.dates.today), moved into the project's period (its first year before it
    starts, its last after it ended), and among the years set up the nearest to that, the
    earlier of two as near. The year selector reaches the others."""
    current = min(max(today().year, project.start.year), project.end.year)
    years = FiscalYear.objects.filter(year__range=(project.start.year, project.end.year))
    nearest = min(
        years.values_list("year", flat=True), key=lambda y: (abs(y - current), y), default=None
    )
    return nearest if nearest is not None else current


def budget_choices() -> dict[str, list[Any]]:
    """Cost categories and funding sources, loaded once for every row of the budget form."""
    return {
        "categories": list(CostCategory.objects.all()),
        "sources": list(FundingSource.objects.all()),
    }


def cost_rates() -> list[CostRate]:
    return list(
        CostRate.objects.select_related("fiscal_year").order_by("-fiscal_year__year", "pay_grade")
    )
