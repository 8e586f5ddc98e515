"""Documents of a space or a project: list, upload, versions, download, delete.

Every object is loaded through the viewer's scope (invisible: 404); an action the viewer may
not take on what they see answers 403. Files leave only through `download`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import posted
from core.object_storage import upload_download
from core.uploads import refused_uploads
from projects.models import Project
from spaces.models import Space

from . import selectors, services
from .forms import ConfirmForm, DocumentForm, VersionForm
from .models import Document
from .permissions import DOCUMENT, PROJECT_PEOPLE, SPACE_READERS, may_add
from .storage import document_storage

PER_PAGE = 25


def _space(request: HttpRequest, slug: str) -> Space:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    if not SPACE_READERS.test(request.user, space):
        raise PermissionDenied
    return space


def _project(request: HttpRequest, slug: str) -> Project:
    project = get_object_or_404(
        Project.objects.visible_to(request.user).prefetch_related(
            "spaces", "participating_authorities"
        ),
        slug=slug,
    )
    if not PROJECT_PEOPLE.test(request.user, project):
        raise PermissionDenied
    return project


def _document(request: HttpRequest, pk: int, action: str = "view") -> Document:
    document = get_object_or_404(selectors.with_versions(request.user), pk=pk)
    if not DOCUMENT.can(request.user, action, document):
        raise PermissionDenied
    return document


def _list(request: HttpRequest, container: Space | Project) -> HttpResponse:
    documents = selectors.listed(request.user, container)
    page = Paginator(documents, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/document_list.html",
        {"container": container, "page": page, "may_add": may_add(request.user, container)},
    )


@login_required
@require_safe
def space_documents(request: HttpRequest, slug: str) -> HttpResponse:
    return _list(request, _space(request, slug))


@login_required
@require_safe
def project_documents(request: HttpRequest, slug: str) -> HttpResponse:
    return _list(request, _project(request, slug))


def _create(request: SignedInRequest, container: Space | Project) -> HttpResponse:
    if not may_add(request.user, container):
        raise PermissionDenied
    form = DocumentForm(posted(request), request.FILES or None, refused=refused_uploads(request))
    return handle_form(
        request,
        form,
        save=lambda data: services.document_create(
            actor=request.user,
            container=container,
            title=data["title"],
            description=data["description"],
            upload=data["file"],
        ),
        success=lambda document: reverse("documents:detail", args=[document.pk]),
        message=_("Das Dokument wurde hochgeladen."),
        template="documents/document_form.html",
        context={"container": container, "max_size": settings.DOCUMENT_MAX_SIZE},
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_document_new(request: SignedInRequest, slug: str) -> HttpResponse:
    return _create(request, _space(request, slug))


@login_required
@require_http_methods(["GET", "POST"])
def project_document_new(request: SignedInRequest, slug: str) -> HttpResponse:
    return _create(request, _project(request, slug))


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            "versions": document.versions.all(),
            "may_add": DOCUMENT.can(request.user, "add", document),
            "may_delete": DOCUMENT.can(request.user, "delete", document),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_new(request: SignedInRequest, pk: int) -> HttpResponse:
    document = _document(request, pk, "add")
    form = VersionForm(posted(request), request.FILES or None, refused=refused_uploads(request))
    return handle_form(
        request,
        form,
        save=lambda data: services.document_version_add(
            actor=request.user, document=document, upload=data["file"], note=data["note"]
        ),
        success=lambda version: reverse("documents:detail", args=[document.pk]),
        message=_("Die neue Version wurde hochgeladen."),
        template="documents/version_form.html",
        context={"document": document},
    )


@login_required
@require_safe
def download(request: HttpRequest, pk: int, number: int) -> HttpResponseBase:
    """Only for those who may see the document; everyone else gets 404."""
    version = selectors.version_for_download(request.user, pk, number)
    if version is None or not version.file:
        raise Http404
    return upload_download(
        request,
        document_storage,
        version.file.name,
        filename=version.original_name,
        content_type=version.content_type,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: SignedInRequest, pk: int) -> HttpResponse:
    document = _document(request, pk, "delete")
    back = reverse("documents:detail", args=[document.pk])
    container = document.container
    listed = (
        reverse("documents:space", args=[container.slug])
        if isinstance(container, Space)
        else reverse("documents:project", args=[container.slug])  # type: ignore[attr-defined]
    )
    return handle_form(
        request,
        ConfirmForm(posted(request)),
        save=lambda _data: services.document_delete(actor=request.user, document=document),
        success=lambda _result: listed,
        message=_("Das Dokument wurde gelöscht."),
        template="documents/confirm_delete.html",
        context={
            "document": document,
            "back": back,
            "retention_days": settings.DOCUMENT_RETENTION_DAYS,
        },
    )
