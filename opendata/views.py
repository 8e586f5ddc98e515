"""Open data: the page for citizens, the DCAT-AP.de catalog, each dataset's files; ITD's page to
mark and withdraw what is published."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import posted

from . import catalog, files, licence, selectors, services
from .forms import PublishForm
from .models import Category, Kind, Publication
from .permissions import GLOBAL, PUBLICATION


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _base_url(request: HttpRequest) -> str:
    """Scheme and host of the request: the catalog's and files' addresses are absolute."""
    return request.build_absolute_uri("/").rstrip("/")


def _published(request: HttpRequest, slug: str) -> selectors.Dataset:
    publication = get_object_or_404(selectors.live(request.user), slug=slug)
    return selectors.dataset(publication, base_url=_base_url(request))


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    base = _base_url(request)
    datasets = [
        (publication, selectors.modified(publication), files.urls(publication.slug, base))
        for publication in selectors.live(request.user)
    ]
    return render(
        request,
        "opendata/index.html",
        {
            "datasets": datasets,
            "categories": Category.choices,
            "licence": licence,
            "attribution": licence.attribution(),
            "contact_email": licence.contact_email(),
            "may_manage": GLOBAL.can(request.user, "manage"),
        },
    )


@require_safe
def catalog_turtle(request: HttpRequest) -> HttpResponse:
    graph = catalog.build(selectors.live(request.user), base_url=_base_url(request))
    return HttpResponse(catalog.turtle(graph), content_type="text/turtle; charset=utf-8")


@require_safe
def catalog_json_ld(request: HttpRequest) -> HttpResponse:
    graph = catalog.build(selectors.live(request.user), base_url=_base_url(request))
    return HttpResponse(catalog.json_ld(graph), content_type="application/ld+json; charset=utf-8")


@require_safe
def data_csv(request: HttpRequest, slug: str) -> HttpResponse:
    data = _published(request, slug)
    response = HttpResponse(files.csv_text(data.table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{slug}.csv"'
    response["Link"] = (
        f'<{files.urls(slug, _base_url(request))["schema"]}>; rel="describedby"; '
        'type="application/csvm+json"'
    )
    return response


@require_safe
def csv_metadata(request: HttpRequest, slug: str) -> HttpResponse:
    data = _published(request, slug)
    document = files.csv_metadata(data, _base_url(request))
    return HttpResponse(files.dumps(document), content_type="application/csvm+json; charset=utf-8")


@require_safe
def data_json(request: HttpRequest, slug: str) -> HttpResponse:
    data = _published(request, slug)
    document = files.json_document(data, _base_url(request))
    return HttpResponse(files.dumps(document), content_type="application/json; charset=utf-8")


# --- ITD -----------------------------------------------------------------------------------------


@login_required
@require_safe
def manage(request: SignedInRequest) -> HttpResponse:
    _require(GLOBAL.can(request.user, "manage"))
    published_rounds = set(
        Publication.objects.filter(round__isnull=False).values_list("round_id", flat=True)
    )
    published_reports = set(
        Publication.objects.filter(report__isnull=False).values_list("report_id", flat=True)
    )
    published_kinds = set(
        Publication.objects.filter(kind__in=[Kind.PROJECTS, Kind.BUDGET]).values_list(
            "kind", flat=True
        )
    )
    return render(
        request,
        "opendata/manage.html",
        {
            "publications": selectors.for_manager(request.user),
            "single_kinds": [
                (kind, label)
                for kind, label in Kind.choices
                if kind in (Kind.PROJECTS, Kind.BUDGET) and kind not in published_kinds
            ],
            "rounds": [r for r in services.publishable_rounds() if r.pk not in published_rounds],
            "reports": [r for r in services.publishable_reports() if r.pk not in published_reports],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: SignedInRequest) -> HttpResponse:
    _require(GLOBAL.can(request.user, "manage"))
    initial = {name: request.GET.get(name, "") for name in ("kind", "round", "report")}
    publishable_round = services.publishable_rounds().filter(pk=initial["round"] or 0).first()
    publishable_report = services.publishable_reports().filter(pk=initial["report"] or 0).first()
    initial.update(
        services.default_texts(initial["kind"], round_=publishable_round, report=publishable_report)
    )
    form = PublishForm(posted(request), initial=initial)
    return handle_form(
        request,
        form,
        save=lambda data: services.publication_publish(
            actor=request.user,
            kind=data["kind"],
            round_=data["round"],
            report=data["report"],
            category=data["category"],
            title=data["title"],
            description=data["description"],
            title_en=data["title_en"],
            description_en=data["description_en"],
        ),
        success=lambda _publication: reverse("opendata:manage"),
        message=lambda publication: (
            _("„%(title)s“ ist veröffentlicht.") % {"title": publication.title}
        ),
        template="opendata/publish_form.html",
    )


@login_required
@require_POST
def withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    publication = get_object_or_404(Publication.objects.visible_to(request.user), pk=pk)
    _require(PUBLICATION.can(request.user, "manage", publication))
    try:
        services.publication_withdraw(actor=request.user, publication=publication)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("„%(title)s“ ist zurückgezogen.") % {"title": publication.title}
        )
    return redirect("opendata:manage")
