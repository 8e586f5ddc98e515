"""What the API reads and writes: an output serializer per resource (with the caller's
`actions`, from the rule tables) and an input serializer per write, which the view hands to
the pages' service. Input refuses fields it does not know, so a typo is never silently lost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from contacts.models import Authority
from contacts.selectors import contact_card
from core import rules
from meetings.models import Meeting
from projects.models import (
    BUDGET_LINE_DESCRIPTION_MAX_LENGTH,
    BudgetLine,
    CostCategory,
    FiscalYear,
    FundingSource,
    Milestone,
    Project,
)
from reports.models import Format, Kind, Report, Scope
from reports.models import Status as ReportStatus
from spaces.models import Space
from strategy.models import Goal, Indicator, IndicatorValue, Measure
from strategy.selectors import assessment

from .permissions import token_of


def money(**kwargs: Any) -> serializers.DecimalField:
    """An amount in euros to the cent, as the budget stores it (a string in JSON)."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def amount(**kwargs: Any) -> serializers.DecimalField:
    return money(min_value=Decimal("0"), **kwargs)


def related(slug_field: str, **kwargs: Any) -> Any:
    """A related object named by its slug or code (spaces, projects, authorities, years):
    read-only without a queryset, else chosen from the queryset."""
    if "queryset" not in kwargs:
        kwargs["read_only"] = True
    return serializers.SlugRelatedField(slug_field=slug_field, **kwargs)


def _web(request: Request | None, path: str) -> str:
    return str(request.build_absolute_uri(path)) if request is not None else path


class Strict(serializers.Serializer):
    """An input that refuses unknown fields (400 naming them)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Dieses Feld gibt es nicht.")] for name in unknown}
                )
        return super().to_internal_value(data)


class WithActions(serializers.Serializer):
    """`actions`: what the caller may do with the object, read from its model's rule table
    (API name -> rule action); nothing to write with a read-only token."""

    ACTIONS: ClassVar[dict[str, str]] = {}

    def get_actions(self, obj: Model) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        token = token_of(request)
        if token is not None and not token.can_write:
            return []
        table = rules.table_for(type(obj))
        return [name for name, rule in self.ACTIONS.items() if table.can(request.user, rule, obj)]


def actions_field(names: dict[str, str]) -> Any:
    field: Any = serializers.SerializerMethodField()
    listed = serializers.ListField(child=serializers.ChoiceField(choices=sorted(names)))
    return extend_schema_field(listed)(field)


# --- Reference: spaces, authorities, people ------------------------------------------------------


class SpaceOut(serializers.ModelSerializer):
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Space
        fields = ["slug", "name_de", "name_en", "description_de", "description_en", "web_url"]

    def get_web_url(self, obj: Space) -> str:
        return _web(self.context.get("request"), obj.get_absolute_url())


class AuthorityOut(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["code", "name_de", "name_en", "kind", "valid_from", "valid_until"]


class PersonOut(serializers.Serializer):
    """A person as the caller may see them (the contact card of the pages): details the caller
    may not see are null."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    function = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    authority = serializers.CharField(allow_null=True, help_text="authority code")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        card = contact_card(self.context["request"].user, instance)
        affiliation = card.affiliation
        return {
            "id": instance.pk,
            "name": card.name,
            "function": card.function,
            "email": card.email,
            "phone": card.phone,
            "authority": affiliation.code if isinstance(affiliation, Authority) else None,
        }


# --- Projects, milestones, budget ----------------------------------------------------------------

PROJECT_ACTIONS = {"update": "edit", "delete": "delete", "edit_budget": "edit_budget"}


class ProjectOut(WithActions, serializers.ModelSerializer):
    ACTIONS = PROJECT_ACTIONS
    primary_space = related("slug")
    spaces = related("slug", many=True)
    lead_authority = related("code")
    participating_authorities = related("code", many=True)
    web_url = serializers.SerializerMethodField()
    actions = actions_field(PROJECT_ACTIONS)

    class Meta:
        model = Project
        fields = [
            "slug",
            "title",
            "summary",
            "description",
            "primary_space",
            "spaces",
            "lead_authority",
            "participating_authorities",
            "status",
            "status_changed_on",
            "health",
            "health_reason",
            "start",
            "end",
            "visibility",
            "updated_at",
            "web_url",
            "actions",
        ]

    def get_web_url(self, obj: Project) -> str:
        return _web(self.context.get("request"), obj.get_absolute_url())


class ProjectIn(Strict, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80, required=False)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    primary_space = related("slug", queryset=Space.objects.all())
    spaces = related("slug", queryset=Space.objects.all(), many=True, required=False)
    lead_authority = related("code", queryset=Authority.objects.current())
    participating_authorities = related(
        "code", queryset=Authority.objects.current(), many=True, required=False
    )
    status = serializers.ChoiceField(choices=Project.Status.choices, required=False)
    health = serializers.ChoiceField(choices=Project.Health.choices, required=False)
    health_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    start = serializers.DateField()
    end = serializers.DateField()
    visibility = serializers.ChoiceField(choices=Project.Visibility.choices, required=False)


M2M = ("spaces", "participating_authorities")


def split_m2m(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = {k: v for k, v in data.items() if k not in M2M}
    return fields, {k: v for k, v in data.items() if k in M2M}


MILESTONE_ACTIONS = {"update": "edit"}


class MilestoneOut(WithActions, serializers.ModelSerializer):
    ACTIONS = MILESTONE_ACTIONS
    project = related("slug")
    actions = actions_field(MILESTONE_ACTIONS)

    class Meta:
        model = Milestone
        fields = ["id", "project", "title", "due", "done", "actions"]


class MilestoneIn(Strict, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due = serializers.DateField()
    done = serializers.DateField(required=False, allow_null=True)


class MilestoneCreate(MilestoneIn):
    project = serializers.SlugField(max_length=80)


LINE_ACTIONS = {"update": "edit"}


class BudgetLineOut(WithActions, serializers.ModelSerializer):
    ACTIONS = LINE_ACTIONS
    project = related("slug")
    fiscal_year = serializers.IntegerField(source="fiscal_year.year", read_only=True)
    category = related("code")
    funding_source = related("code")
    remaining = money(read_only=True)
    over_budget = serializers.BooleanField(read_only=True)
    actions = actions_field(LINE_ACTIONS)

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "project",
            "fiscal_year",
            "category",
            "funding_source",
            "description",
            "einzelplan",
            "aufgabenbereich",
            "produktgruppe",
            "planned",
            "revised",
            "committed",
            "actual",
            "remaining",
            "over_budget",
            "fte",
            "pay_grade",
            "months",
            "note",
            "updated_at",
            "actions",
        ]


class BudgetLineIn(Strict, serializers.Serializer):
    """One line, as one row of the budget form: personnel lines (a cost category for staff)
    take FTE, pay grade and months and are costed from the year's full-cost rate; the others
    take the planned amount."""

    category = related("code", queryset=CostCategory.objects)
    funding_source = related("code", queryset=FundingSource.objects)
    description = serializers.CharField(
        max_length=BUDGET_LINE_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    einzelplan = serializers.CharField(max_length=10, required=False, allow_blank=True)
    aufgabenbereich = serializers.CharField(max_length=20, required=False, allow_blank=True)
    produktgruppe = serializers.CharField(max_length=20, required=False, allow_blank=True)
    planned = amount(required=False, allow_null=True)
    revised = amount(required=False, allow_null=True)
    committed = amount(required=False)
    actual = amount(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    fte = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    pay_grade = serializers.CharField(max_length=20, required=False, allow_blank=True)
    months = serializers.IntegerField(min_value=1, max_value=12, required=False, allow_null=True)


class BudgetLineCreate(BudgetLineIn):
    project = serializers.SlugField(max_length=80)
    fiscal_year = related("year", queryset=FiscalYear.objects)


class FiguresOut(serializers.Serializer):
    planned = money()
    revised = money()
    committed = money()
    actual = money()
    remaining = money()
    over_budget = serializers.BooleanField()


class YearFiguresOut(FiguresOut):
    fiscal_year = serializers.IntegerField()


class BudgetOut(serializers.Serializer):
    """The roll-up of the filtered portfolio's budget lines the caller may see, by year."""

    total = FiguresOut()
    years = YearFiguresOut(many=True)


# --- Meetings ----------------------------------------------------------------------------------


class MeetingOut(serializers.ModelSerializer):
    space = related("slug")
    cancelled = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "space",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "agenda",
            "cancelled",
            "updated_at",
            "web_url",
        ]

    def get_cancelled(self, obj: Meeting) -> bool:
        return obj.cancelled_at is not None

    def get_web_url(self, obj: Meeting) -> str:
        return _web(self.context.get("request"), obj.get_absolute_url())


# --- The strategy ------------------------------------------------------------------------------


class GoalOut(WithActions, serializers.ModelSerializer):
    ACTIONS: ClassVar[dict[str, str]] = {}
    space = related("slug")
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = ["id", "space", "code", "title", "description", "updated_at", "web_url"]

    def get_web_url(self, obj: Goal) -> str:
        return _web(self.context.get("request"), obj.get_absolute_url())


class MeasureOut(serializers.ModelSerializer):
    lead_authority = related("code")
    projects = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id",
            "goal",
            "code",
            "title",
            "description",
            "lead_authority",
            "starts_on",
            "ends_on",
            "projects",
            "updated_at",
            "web_url",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_projects(self, obj: Measure) -> list[str]:
        """Only the projects the caller may see."""
        visible = self.context.get("visible_project_ids")
        return [p.slug for p in obj.projects.all() if visible is None or p.pk in visible]

    def get_web_url(self, obj: Measure) -> str:
        return _web(self.context.get("request"), obj.get_absolute_url())


class IndicatorValueOut(serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = ["id", "on", "value", "source", "comment", "entered_at"]


INDICATOR_ACTIONS = {"add_value": "enter_value", "update": "edit"}


class IndicatorOut(WithActions, serializers.ModelSerializer):
    ACTIONS = INDICATOR_ACTIONS
    status = serializers.SerializerMethodField()
    expected = serializers.SerializerMethodField()
    values = IndicatorValueOut(many=True, read_only=True)
    actions = actions_field(INDICATOR_ACTIONS)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "goal",
            "measure",
            "name",
            "unit",
            "direction",
            "baseline_value",
            "baseline_on",
            "target_value",
            "target_on",
            "source",
            "status",
            "expected",
            "values",
            "actions",
        ]

    @extend_schema_field(
        serializers.ChoiceField(choices=["on_track", "at_risk", "off_track", "no_data"])
    )
    def get_status(self, obj: Indicator) -> str:
        """Computed from the values against the path (docs: the strategy's status rule)."""
        return str(assessment(obj).status)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_expected(self, obj: Indicator) -> str | None:
        """The path's value on the latest value's date, to the hundredth."""
        shown = assessment(obj).expected_shown
        return None if shown is None else str(shown)


class IndicatorValueIn(Strict, serializers.Serializer):
    on = serializers.DateField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4)
    # A field named like Field.source: DRF's metaclass takes it as a field, the stubs do not.
    source = serializers.CharField(max_length=200, required=False, allow_blank=True)  # type: ignore[assignment]
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True)


# --- Reports -----------------------------------------------------------------------------------


class ReportOut(serializers.ModelSerializer):
    space = related("slug")
    authority = related("code")
    fiscal_year = serializers.IntegerField(source="fiscal_year.year", read_only=True, default=None)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "format",
            "scope",
            "space",
            "authority",
            "fiscal_year",
            "status",
            "progress",
            "error",
            "filename",
            "size",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]

    def get_download_url(self, obj: Report) -> str | None:
        if obj.status != ReportStatus.READY:
            return None
        return _web(self.context.get("request"), reverse("api:report-download", args=[obj.pk]))


class ReportIn(Strict, serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    format = serializers.ChoiceField(choices=Format.choices)
    scope = serializers.ChoiceField(choices=Scope.choices)
    space = related("slug", queryset=Space.objects.all(), required=False, allow_null=True)
    authority = related(
        "code", queryset=Authority.objects.current(), required=False, allow_null=True
    )
    fiscal_year = related(
        "year", queryset=FiscalYear.objects.all(), required=False, allow_null=True
    )
