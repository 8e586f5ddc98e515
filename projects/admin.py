"""ITD maintains fiscal years, cost categories and funding sources here; every change is audited.

Cost rates and the programme budget have their own pages (/projects/cost-rates/,
/projects/programme-budget/) because a rate change recomputes personnel lines.
"""

from django.contrib import admin

from core.admin import AuditedModelAdmin, ReadOnlyLogAdmin

from .models import BudgetLine, CostCategory, CostRate, FiscalYear, FundingSource, Project


@admin.register(FiscalYear)
class FiscalYearAdmin(AuditedModelAdmin):
    list_display = ("year", "double_budget", "closed")
    list_filter = ("closed",)


@admin.register(CostCategory)
class CostCategoryAdmin(AuditedModelAdmin):
    list_display = ("name", "name_en", "code", "is_personnel", "position")
    list_editable = ("position",)


@admin.register(FundingSource)
class FundingSourceAdmin(AuditedModelAdmin):
    list_display = ("name", "name_en", "code", "is_programme", "position")
    list_editable = ("position",)


@admin.register(CostRate)
class CostRateAdmin(ReadOnlyLogAdmin):
    list_display = ("fiscal_year", "pay_grade", "annual_full_cost", "updated_at")
    list_filter = ("fiscal_year",)


@admin.register(Project)
class ProjectAdmin(ReadOnlyLogAdmin):
    """Projects are edited in the portal (optimistic locking, audit); here ITD only looks."""

    list_display = ("title", "slug", "primary_space", "lead_authority", "status", "health")
    list_filter = ("status", "health", "visibility", "primary_space")
    search_fields = ("title", "slug")


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyLogAdmin):
    list_display = (
        "project",
        "fiscal_year",
        "category",
        "funding_source",
        "description",
        "planned",
        "actual",
    )
    list_filter = ("fiscal_year", "category", "funding_source")
    search_fields = ("project__title", "description")
    list_select_related = ("project", "fiscal_year", "category", "funding_source")
