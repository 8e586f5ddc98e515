"""The API's views: thin, as the pages' are. Each list starts from the rule table's scope (via
`selectors.scoped`), each object is loaded through it (invisible: 404), each write validates
its input serializer and calls the pages' service, which checks the permission itself (403)."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import Model, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from contacts.models import Authority, Person, User
from contacts.permissions import PERSON
from core.object_storage import STORE_ERRORS
from meetings.models import Meeting
from projects import permissions as project_permissions
from projects import services as project_services
from projects.models import BudgetLine, Milestone, Project
from projects.selectors.money import lines_with_flag
from projects.services import LineInput
from reports import permissions as report_permissions
from reports import services as report_services
from reports.models import Report
from reports.views import file_response as report_file_response
from spaces.models import Space
from strategy import services as strategy_services
from strategy.models import Goal, Indicator, IndicatorValue, Measure
from strategy.permissions import INDICATOR

from . import conditional, deprecation, filters, selectors, serializers
from .errors import StoreUnavailable
from .selectors import in_token_spaces, project_space_ids, scoped

logger = logging.getLogger(__name__)


def _actor(request: Request) -> User:
    """The signed-in caller of a write (ApiAccess lets no anonymous write through)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _valid(serializer_class: type[serializers.serializers.Serializer], request: Request, **kw: Any):
    serializer = serializer_class(data=request.data, **kw)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _refuse_outside_token_spaces(request: Request, space_ids: set[int]) -> None:
    if not in_token_spaces(request, space_ids):
        raise exceptions.PermissionDenied(_("Dieses Token gilt nicht für diesen Raum."))


class Base(GenericAPIView):
    """Every API view: answers carry what API_DEPRECATIONS announces for their address."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        deprecation.announce(request, response)
        return response


class ScopedViewSet(viewsets.ViewSetMixin, Base):
    """Lists and objects from the rule table's scope; every GET with its ETag."""

    model: ClassVar[type[Model]]
    output: ClassVar[type[serializers.serializers.Serializer]]
    ordering: ClassVar[tuple[str, ...]] = ("pk",)
    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def base(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def get_queryset(self) -> QuerySet[Any]:
        return scoped(self.request, self.base()).order_by(*self.ordering)

    def get_serializer_class(self) -> type[serializers.serializers.Serializer]:
        return self.output

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = self.get_serializer(page, many=True).data
        assert self.paginator is not None
        return conditional.respond(request, self.paginator.get_paginated_response(data).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return conditional.respond(request, self.get_serializer(self.get_object()).data)

    def current(self, obj: Model) -> Any:
        """What a GET of the object shows now: If-Match is compared with its ETag."""
        return self.get_serializer(obj).data

    def answer(self, obj: Model, code: int = status.HTTP_200_OK) -> Response:
        data = self.get_serializer(obj).data
        return Response(data, status=code, headers={"ETag": conditional.etag_of(data)})


class Reading(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


# --- Reference ---------------------------------------------------------------------------------


class SpaceViewSet(Reading):
    """The seven Digital Spaces."""

    model = Space
    output = serializers.SpaceOut
    lookup_field = "slug"
    ordering = ("position", "pk")
    ordering_fields = ["position", "slug"]


class AuthorityViewSet(Reading):
    """The authorities (signed-in callers)."""

    model = Authority
    output = serializers.AuthorityOut
    lookup_field = "code"
    ordering = ("code",)
    ordering_fields = ["code"]


class PersonViewSet(Reading):
    """People as the caller may see them: contact details only where the pages show them."""

    model = Person
    output = serializers.PersonOut
    ordering = ("user__last_name", "user__first_name", "pk")
    filter_backends = [OrderingFilter]

    def base(self) -> QuerySet[Person]:
        return Person.objects.select_related("user", "authority", "organisation")

    def get_queryset(self) -> QuerySet[Person]:
        return PERSON.restrict(self.base(), self.request.user, "view").order_by(*self.ordering)

    # The cards' rules look up the people of the answer together (a guest's "shares a space
    # with me": these people, not everyone the guest shares a space with).
    def paginate_queryset(self, queryset: QuerySet[Any]) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            PERSON.prime(self.request.user, page)
        return page

    def get_object(self) -> Person:
        person: Person = super().get_object()
        PERSON.prime(self.request.user, [person])
        return person


# --- Projects ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Projects (the portfolio's filters)"),
    partial_update=extend_schema(summary="Change a project (If-Match required)"),
    update=extend_schema(summary="Replace a project's fields (If-Match required)"),
    destroy=extend_schema(summary="Delete a project (If-Match required)"),
)
class ProjectViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    Reading,
):
    model = Project
    output = serializers.ProjectOut
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filter_backends = [filters.PortfolioFilter]

    def base(self) -> QuerySet[Project]:
        return Project.objects.select_related("primary_space", "lead_authority").prefetch_related(
            "spaces", "participating_authorities"
        )

    def get_queryset(self) -> QuerySet[Project]:
        # The portfolio orders (its `sort`); the object's own address needs no order.
        return scoped(self.request, self.base())

    def get_serializer_class(self) -> type[serializers.serializers.Serializer]:
        if self.action in ("create", "update", "partial_update"):
            return serializers.ProjectIn
        return self.output

    def answer(self, obj: Model, code: int = status.HTTP_200_OK) -> Response:
        data = serializers.ProjectOut(obj, context=self.get_serializer_context()).data
        return Response(data, status=code, headers={"ETag": conditional.etag_of(data)})

    def current(self, obj: Model) -> Any:
        return serializers.ProjectOut(obj, context=self.get_serializer_context()).data

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return conditional.respond(request, self.current(self.get_object()))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The portfolio's filter answers with its own queryset: the relations the answer names
        # are joined and prefetched on it, so a page costs the same queries for 5 or 500 rows.
        filtered = self.filter_queryset(self.get_queryset())
        related = filtered.select_related("primary_space", "lead_authority").prefetch_related(
            "spaces", "participating_authorities"
        )
        page = self.paginate_queryset(related)
        data = serializers.ProjectOut(page, many=True, context=self.get_serializer_context()).data
        assert self.paginator is not None
        return conditional.respond(request, self.paginator.get_paginated_response(data).data)

    @extend_schema(responses={201: serializers.ProjectOut})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not project_permissions.can(request.user, "create_project"):
            raise exceptions.PermissionDenied  # before the body: as the page's 403
        fields, m2m = serializers.split_m2m(_valid(serializers.ProjectIn, request))
        _refuse_outside_token_spaces(request, {fields["primary_space"].pk})
        project = project_services.project_create(actor=_actor(request), m2m=m2m, **fields)
        return self.answer(Project.objects.get(pk=project.pk), status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.ProjectOut})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        conditional.require_match(request, self.current(project))
        partial = kwargs.get("partial", False)
        fields, m2m = serializers.split_m2m(_valid(serializers.ProjectIn, request, partial=partial))
        if "primary_space" in fields:
            _refuse_outside_token_spaces(request, {fields["primary_space"].pk})
        project_services.project_update(
            actor=_actor(request), project=project, version=project.version, m2m=m2m, **fields
        )
        return self.answer(self.base().get(pk=project.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        conditional.require_match(request, self.current(project))
        project_services.project_delete(
            actor=_actor(request), project=project, version=project.version
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="A project's budget by fiscal year",
        responses={200: serializers.YearFiguresOut(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def budget(self, request: Request, slug: str) -> Response:
        project = self.get_object()
        if not scoped(request, Project.objects.filter(pk=project.pk), "see_budget").exists():
            raise exceptions.PermissionDenied
        rows = serializers.YearFiguresOut(selectors.project_budget(project), many=True).data
        return conditional.respond(request, rows)


class BudgetView(Base):
    """The budget roll-up of the filtered portfolio, in all and by fiscal year."""

    filter_backends = [filters.PortfolioFilter]
    pagination_class = None
    serializer_class = serializers.BudgetOut

    def get_queryset(self) -> QuerySet[Project]:
        return scoped(self.request, Project.objects.all())

    @extend_schema(summary="Budget roll-up (the portfolio's filters)")
    def get(self, request: Request) -> Response:
        projects = self.filter_queryset(self.get_queryset())
        data = serializers.BudgetOut(selectors.budget_rollup(request, projects)).data
        return conditional.respond(request, data)


class MilestoneViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, Reading):
    model = Milestone
    output = serializers.MilestoneOut
    filterset_class = filters.MilestoneFilter
    ordering = ("due", "pk")
    ordering_fields = ["due", "done"]

    def base(self) -> QuerySet[Milestone]:
        return Milestone.objects.select_related("project")

    def get_serializer_class(self) -> type[serializers.serializers.Serializer]:
        if self.action == "create":
            return serializers.MilestoneCreate
        if self.action in ("update", "partial_update"):
            return serializers.MilestoneIn
        return self.output

    def _out(self, obj: Milestone) -> Any:
        return serializers.MilestoneOut(obj, context=self.get_serializer_context()).data

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return conditional.respond(request, self._out(self.get_object()))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ctx = self.get_serializer_context()
        data = serializers.MilestoneOut(page, many=True, context=ctx).data
        assert self.paginator is not None
        return conditional.respond(request, self.paginator.get_paginated_response(data).data)

    @extend_schema(responses={201: serializers.MilestoneOut})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(_valid(serializers.MilestoneCreate, request))
        project = _visible_project(request, data.pop("project"))
        milestone = project_services.milestone_save(
            actor=_actor(request), project=project, milestone=None, done=None, **data
        )
        return _respond_new(self._out(milestone))

    @extend_schema(responses={200: serializers.MilestoneOut})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        conditional.require_match(request, self._out(milestone))
        data = _valid(serializers.MilestoneIn, request, partial=kwargs.get("partial", False))
        values = {
            "title": data.get("title", milestone.title),
            "due": data.get("due", milestone.due),
            "done": data.get("done", milestone.done if kwargs.get("partial") else None),
        }
        saved = project_services.milestone_save(
            actor=_actor(request), project=milestone.project, milestone=milestone, **values
        )
        data_out = self._out(saved)
        return Response(data_out, headers={"ETag": conditional.etag_of(data_out)})


def _respond_new(data: Any) -> Response:
    return Response(
        data, status=status.HTTP_201_CREATED, headers={"ETag": conditional.etag_of(data)}
    )


def _visible_project(request: Request, slug: str) -> Project:
    """A project named in a request body: invisible ones answer 404, as their address does."""
    project = scoped(request, Project.objects.filter(slug=slug)).first()
    if project is None:
        raise Http404
    return project


class BudgetLineViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, Reading):
    """Budget lines the caller may see (the projects' budget rule), by fiscal year."""

    model = BudgetLine
    output = serializers.BudgetLineOut
    filterset_class = filters.BudgetLineFilter
    ordering = ("project__slug", "fiscal_year__year", "category__position", "pk")
    ordering_fields = ["fiscal_year__year", "planned", "revised", "actual", "updated_at"]

    def base(self) -> QuerySet[BudgetLine]:
        return lines_with_flag(
            BudgetLine.objects.select_related(
                "project", "fiscal_year", "category", "funding_source"
            )
        )

    def known_count(self) -> int | None:
        """The list's length from the budget summaries where they know it (api.pagination)."""
        found = filters.BudgetLineFilter(self.request.query_params, queryset=self.base())
        if not found.is_valid():
            return None  # the filter answers 400 before a page is read
        data = found.form.cleaned_data
        return selectors.budget_line_count(
            self.request,
            project=data.get("project") or None,
            year=data.get("fiscal_year"),
            narrowed=bool(data.get("category") or data.get("funding_source")),
        )

    def get_serializer_class(self) -> type[serializers.serializers.Serializer]:
        if self.action == "create":
            return serializers.BudgetLineCreate
        if self.action in ("update", "partial_update"):
            return serializers.BudgetLineIn
        return self.output

    def _out(self, obj: BudgetLine) -> Any:
        return serializers.BudgetLineOut(obj, context=self.get_serializer_context()).data

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return conditional.respond(request, self._out(self.get_object()))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ctx = self.get_serializer_context()
        data = serializers.BudgetLineOut(page, many=True, context=ctx).data
        assert self.paginator is not None
        return conditional.respond(request, self.paginator.get_paginated_response(data).data)

    def _saved(self, line_id: int) -> Any:
        return self._out(self.base().get(pk=line_id))

    @extend_schema(responses={201: serializers.BudgetLineOut})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(_valid(serializers.BudgetLineCreate, request))
        project = _visible_project(request, data.pop("project"))
        _refuse_outside_token_spaces(request, project_space_ids(project))
        fiscal_year = data.pop("fiscal_year")
        saved = project_services.budget_lines_save(
            actor=_actor(request),
            project=project,
            fiscal_year=fiscal_year,
            rows=[LineInput(**data)],
        )
        return _respond_new(self._saved(saved[0].pk))

    @extend_schema(responses={200: serializers.BudgetLineOut})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        line = self.get_object()
        conditional.require_match(request, self._out(line))
        partial = kwargs.get("partial", False)
        data = dict(_valid(serializers.BudgetLineIn, request, partial=partial))
        if partial:
            data = {**_line_values(line), **data}
        row = LineInput(line_id=line.pk, version=line.version, **data)
        project_services.budget_lines_save(
            actor=_actor(request), project=line.project, fiscal_year=line.fiscal_year, rows=[row]
        )
        out = self._saved(line.pk)
        return Response(out, headers={"ETag": conditional.etag_of(out)})


def _line_values(line: BudgetLine) -> dict[str, Any]:
    names = list(serializers.BudgetLineIn().fields)
    return {name: getattr(line, name) for name in names}


# --- Meetings ----------------------------------------------------------------------------------


class MeetingViewSet(Reading):
    """Meetings the caller may see (invited, or coordinating the space)."""

    model = Meeting
    output = serializers.MeetingOut
    filterset_class = filters.MeetingFilter
    ordering = ("starts_at", "pk")
    ordering_fields = ["starts_at"]

    def base(self) -> QuerySet[Meeting]:
        return Meeting.objects.select_related("space")


# --- The strategy ------------------------------------------------------------------------------


class GoalViewSet(Reading):
    model = Goal
    output = serializers.GoalOut
    filterset_class = filters.GoalFilter
    ordering = ("space__position", "code", "pk")

    def base(self) -> QuerySet[Goal]:
        return Goal.objects.select_related("space")


class MeasureViewSet(Reading):
    model = Measure
    output = serializers.MeasureOut
    filterset_class = filters.MeasureFilter
    ordering = ("goal__space__position", "code", "pk")

    def base(self) -> QuerySet[Measure]:
        return Measure.objects.select_related("lead_authority").prefetch_related("projects")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["visible_project_ids"] = set(
            scoped(self.request, Project.objects.all()).values_list("pk", flat=True)
        )
        return context


class IndicatorViewSet(Reading):
    model = Indicator
    output = serializers.IndicatorOut
    filterset_class = filters.IndicatorFilter
    ordering = ("goal__space__position", "goal__code", "pk")

    def base(self) -> QuerySet[Indicator]:
        return Indicator.objects.select_related("goal", "measure").prefetch_related(
            Prefetch("values", queryset=IndicatorValue.objects.order_by("on", "pk")), "path"
        )

    @extend_schema(
        summary="Add a value to an indicator",
        request=serializers.IndicatorValueIn,
        responses={201: serializers.IndicatorValueOut},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def values(self, request: Request, pk: str) -> Response:
        indicator = self.get_object()
        if not INDICATOR.can(request.user, "enter_value", indicator):
            raise exceptions.PermissionDenied  # before the body: as the page's 403
        data = _valid(serializers.IndicatorValueIn, request)
        value = strategy_services.indicator_value_add(
            actor=_actor(request), indicator=indicator, **data
        )
        return _respond_new(serializers.IndicatorValueOut(value).data)


# --- Reports -----------------------------------------------------------------------------------


class ReportViewSet(mixins.CreateModelMixin, Reading):
    """The caller's reports archive: request one, follow its status, download it when ready."""

    model = Report
    output = serializers.ReportOut
    filterset_class = filters.ReportFilter
    ordering = ("-created_at", "-pk")

    def base(self) -> QuerySet[Report]:
        return Report.objects.select_related("space", "authority", "fiscal_year")

    def get_serializer_class(self) -> type[serializers.serializers.Serializer]:
        return serializers.ReportIn if self.action == "create" else self.output

    @extend_schema(responses={202: serializers.ReportOut})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not report_permissions.can(request.user, "request"):
            raise exceptions.PermissionDenied  # before the body: as the archive's 403
        data = _valid(serializers.ReportIn, request)
        # A token limited to spaces requests reports of those spaces only.
        space = data.get("space") if data.get("scope") == "space" else None
        if selectors.token_spaces(request) is not None and space is None:
            raise exceptions.PermissionDenied(_("Dieses Token gilt nur für Berichte seiner Räume."))
        if space is not None:
            _refuse_outside_token_spaces(request, {space.pk})
        report = report_services.report_request(actor=_actor(request), **data)
        out = serializers.ReportOut(report, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Download a finished report",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="the file"),
            503: OpenApiResponse(description="the object store cannot serve the file right now"),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def download(self, request: Request, pk: str) -> FileResponse | StreamingHttpResponse:
        report = self.get_object()
        try:
            return report_file_response(request.user, report)
        except STORE_ERRORS as exc:
            logger.warning("api: the store cannot serve %s", report.file.name, exc_info=True)
            raise StoreUnavailable from exc


# --- The root and the developers' page ------------------------------------------------------------


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def root(request: Request) -> Response:
    names = [
        "space",
        "authority",
        "person",
        "project",
        "budget-line",
        "milestone",
        "meeting",
        "goal",
        "measure",
        "indicator",
        "report",
    ]
    links = {name: reverse(f"api:{name}-list", request=request) for name in names}
    links["budget"] = reverse("api:budget", request=request)
    links["schema"] = reverse("api:schema", request=request)
    links["docs"] = reverse("api:docs", request=request)
    return Response(links)


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """The schema, readable: Swagger UI from the portal's own static files."""
    return render(request, "api/docs.html")


@require_safe
def guide(request: HttpRequest) -> HttpResponse:
    """The developers' page: tokens, curl examples, ETags, limits, versioning."""
    return render(
        request,
        "api/guide.html",
        {
            "page_size": settings.API_PAGE_SIZE,
            "max_page_size": settings.API_MAX_PAGE_SIZE,
            "rates": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        },
    )
