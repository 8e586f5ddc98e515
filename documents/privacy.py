"""What the documents app holds about a person: that they uploaded or deleted a document or a
version (the files themselves belong to the space or project they were shared in)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.personal_data import Holding, Subject, register

from .models import Document, DocumentVersion


def _export(subject: Subject) -> list[dict[str, Any]]:
    versions = (
        DocumentVersion.objects.filter(uploaded_by=subject.user)
        .select_related("document")
        .order_by("uploaded_at", "pk")
    )
    deleted = Document.objects.filter(deleted_by=subject.user)
    return [
        *(
            {
                "uploaded_at": v.uploaded_at,
                "document": v.document.title,
                "version": v.number,
                "file": v.original_name,
            }
            for v in versions
        ),
        *({"deleted_at": d.deleted_at, "document": d.title} for d in deleted),
    ]


def _anonymise(subject: Subject) -> None:
    # The documents stay with their space or project; who uploaded them is forgotten.
    user = subject.user
    DocumentVersion.objects.filter(uploaded_by=user).update(uploaded_by=None)
    Document.objects.filter(created_by=user).update(created_by=None)
    Document.objects.filter(Q(deleted_by=user)).update(deleted_by=None)


register(
    Holding(
        key="documents",
        models=(Document, DocumentVersion),
        export=_export,
        anonymise=_anonymise,
        order=55,
    )
)
