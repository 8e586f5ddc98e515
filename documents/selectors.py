"""Reads of the documents app, each starting from the scoped queryset (what the viewer may see)
and making a fixed number of queries however many documents and versions there are."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from core.audiences import Viewer
from projects.models import Project
from spaces.home import Activity
from spaces.models import Space

from .models import Document, DocumentVersion


def _latest(field: str) -> Subquery:
    newest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    return Subquery(newest.values(field)[:1])


def visible(viewer: Viewer) -> QuerySet[Document]:
    return Document.objects.visible_to(viewer)


def listed(viewer: Viewer, container: Space | Project) -> QuerySet[Document]:
    """The documents of a space or project the viewer may see, newest first, each with its
    newest version's facts and the number of versions (one query)."""
    if isinstance(container, Space):
        scoped = visible(viewer).filter(space=container)
    else:
        scoped = visible(viewer).filter(project=container)
    return (
        scoped.select_related("created_by")
        .annotate(
            version_count=Count("versions"),
            latest_extension=_latest("extension"),
            latest_size=_latest("size"),
            latest_at=_latest("uploaded_at"),
        )
        .order_by("-updated_at", "-pk")
    )


def recent(viewer: Viewer, container: Space | Project, limit: int) -> list[Document]:
    return list(listed(viewer, container)[:limit])


def with_versions(viewer: Viewer) -> QuerySet[Document]:
    """For one document's page: its versions (newest first) with who uploaded them."""
    versions = DocumentVersion.objects.select_related("uploaded_by").order_by("-number")
    return (
        visible(viewer)
        .select_related("space", "project", "created_by")
        .prefetch_related(Prefetch("versions", queryset=versions))
    )


def version_for_download(viewer: Viewer, document_pk: int, number: int) -> DocumentVersion | None:
    return (
        DocumentVersion.objects.visible_to(viewer)
        .select_related("document")
        .filter(document_id=document_pk, number=number)
        .first()
    )


def activity(viewer: Viewer, space: Space, limit: int) -> list[Activity]:
    """ "Neues Dokument: <title>" for each document of the space the viewer may see."""
    documents = listed(viewer, space).order_by("-created_at", "-pk")[:limit]
    return [
        Activity(
            when=d.created_at,
            kind="document",
            text=_("Neues Dokument: %(title)s") % {"title": d.title},
            url=reverse("documents:detail", args=[d.pk]),
            actor=d.created_by.get_full_name() if d.created_by else "",
        )
        for d in documents
    ]
