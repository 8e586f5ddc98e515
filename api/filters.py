"""Filters of the lists. The projects' are the portfolio page's own: its form validates the
query and `portfolio()` applies it, so the page and the API filter alike by construction (one
definition). The other lists filter with django-filter on the fields their pages offer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from meetings.models import Meeting
from projects.forms import ProjectFilterForm
from projects.models import BudgetLine, Milestone
from projects.selectors import portfolio
from projects.selectors.project_page import fiscal_years
from reports.models import Report
from strategy.models import Goal, Indicator, Measure


def portfolio_form(request: Request) -> ProjectFilterForm:
    return ProjectFilterForm(request.query_params, years=fiscal_years())


def portfolio_filters(request: Request) -> dict[str, Any]:
    """The portfolio's filters from the query; a wrong value is 400 naming the parameter (the
    page reports it at the field; the API refuses, so a typo never widens the answer)."""
    form = portfolio_form(request)
    filters = form.valid_filters()
    if form.errors:
        raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    return filters


def _schema_type(field: forms.Field) -> dict[str, Any]:
    if isinstance(field, forms.ModelChoiceField):  # spaces by slug, authorities by code
        return {"type": "string"}
    choices = [str(value) for value, _label in getattr(field, "choices", []) if value != ""]
    if choices:
        return {"type": "string", "enum": choices}
    if isinstance(field, forms.CharField) and field.max_length:
        return {"type": "string", "maxLength": field.max_length}
    return {"type": "string"}


class PortfolioFilter(BaseFilterBackend):
    """The portfolio's filters (projects and the budget roll-up)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        filtered = portfolio.portfolio(request.user, **portfolio_filters(request))
        return filtered.filter(pk__in=queryset.values("pk"))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        form = ProjectFilterForm(years=[])
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": str(field.label),
                "schema": {"type": "integer"} if name == "year" else _schema_type(field),
            }
            for name, field in form.fields.items()
        ]


class _Moment(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment of this world: a year from 1900 to 2200, a real UTC offset."""

    def clean(self, value: Any) -> Any:
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            utc = moment.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(_("Bitte einen Zeitpunkt nach ISO 8601.")) from exc
        if not 1900 <= utc.year <= 2200:
            raise forms.ValidationError(_("Bitte einen Zeitpunkt zwischen 1900 und 2200."))
        return utc


class Moment(django_filters.IsoDateTimeFilter):
    field_class = _Moment


class Filters(django_filters.FilterSet):
    """A filter set whose wrong values answer 400 with the API's error body."""


class MilestoneFilter(Filters):
    project = django_filters.CharFilter(field_name="project__slug", max_length=80)

    class Meta:
        model = Milestone
        fields = ["project"]


class BudgetLineFilter(Filters):
    project = django_filters.CharFilter(field_name="project__slug", max_length=80)
    fiscal_year = django_filters.NumberFilter(field_name="fiscal_year__year")
    category = django_filters.CharFilter(field_name="category__code", max_length=30)
    funding_source = django_filters.CharFilter(field_name="funding_source__code", max_length=30)

    class Meta:
        model = BudgetLine
        fields = ["project", "fiscal_year", "category", "funding_source"]


class MeetingFilter(Filters):
    space = django_filters.CharFilter(field_name="space__slug", max_length=80)
    starts_after = Moment(field_name="starts_at", lookup_expr="gte")
    starts_before = Moment(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Meeting
        fields = ["space", "starts_after", "starts_before"]


class GoalFilter(Filters):
    space = django_filters.CharFilter(field_name="space__slug", max_length=80)

    class Meta:
        model = Goal
        fields = ["space"]


class MeasureFilter(Filters):
    space = django_filters.CharFilter(field_name="goal__space__slug", max_length=80)
    goal = django_filters.NumberFilter(field_name="goal_id")
    lead_authority = django_filters.CharFilter(field_name="lead_authority__code", max_length=30)

    class Meta:
        model = Measure
        fields = ["space", "goal", "lead_authority"]


class IndicatorFilter(Filters):
    space = django_filters.CharFilter(field_name="goal__space__slug", max_length=80)
    goal = django_filters.NumberFilter(field_name="goal_id")
    measure = django_filters.NumberFilter(field_name="measure_id")

    class Meta:
        model = Indicator
        fields = ["space", "goal", "measure"]


class ReportFilter(Filters):
    kind = django_filters.ChoiceFilter(choices=Report._meta.get_field("kind").choices)
    status = django_filters.ChoiceFilter(choices=Report._meta.get_field("status").choices)

    class Meta:
        model = Report
        fields = ["kind", "status"]
