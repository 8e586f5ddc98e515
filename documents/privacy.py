"""What the documents app holds about a person: that they uploaded or deleted a document or a
version (the files themselves belong to the space or project they were shared in).

Deleting the account keeps the documents for the space or project, but nothing of them names
the person any more: title, description, change note and the file name (which is also the
download name) lose every spelling of the name and the address, and so do the stored file's
name and, for text and CSV files, its content (written anew under a new stored name). In what
the person uploaded, the first or last name alone goes too. The content of other formats (PDF,
office files, images) is not rewritten: who shared it in the space decides about it.
"""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from core.personal_data import Holding, Subject, file_placeholder, mentioning, redact_rows, register

from .models import Document, DocumentVersion
from .storage import document_storage


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


def _own_documents(subject: Subject) -> Q:
    user = subject.user
    return Q(created_by=user) | Q(
        pk__in=DocumentVersion.objects.filter(uploaded_by=user).values("document_id")
    )


def _collect(subject: Subject) -> None:
    # The audit entries of these documents are about the person (their file names, titles).
    subject.add_about(
        Document, Document.objects.filter(_own_documents(subject)).values_list("pk", flat=True)
    )


def _stored_anew(version: DocumentVersion, content: bytes, old_name: str) -> str:
    """The content under a new generated name beside the old one; the old file is removed
    when the deletion is committed (a rollback keeps the row pointing at a file that is
    there; a new file left behind by it is removed by the retention job)."""
    directory = posixpath.dirname(old_name) or "documents"
    extension = version.extension or posixpath.splitext(old_name)[1].lstrip(".")
    new_name = document_storage.save(
        f"{directory}/{uuid.uuid4().hex}.{extension}", ContentFile(content)
    )
    transaction.on_commit(lambda: document_storage.delete(old_name))
    return new_name


def _rewrite_file(version: DocumentVersion, subject: Subject, *, own: bool) -> None:
    """A stored name or (for text) a content that names the person is written anew."""
    name = version.file.name or ""
    if not name:
        return
    fields: list[str] = []
    placeholder = file_placeholder(subject.pseudonym)
    content: bytes | None = None
    if version.content_type.startswith("text/"):
        try:
            with document_storage.open(name, "rb") as handle:
                text = handle.read().decode("utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            text = None
        if text is not None:
            clean = subject.redact(text, own=own)
            if clean != text:
                content = clean.encode("utf-8")
                version.size = len(content)
                version.sha256 = hashlib.sha256(content).hexdigest()
                fields += ["size", "sha256"]
    if content is None and subject.redact(name, own=own, placeholder=placeholder) != name:
        try:
            with document_storage.open(name, "rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            content = None
    if content is None:
        return
    version.file.name = _stored_anew(version, content, name)
    version.save(update_fields=["file", *fields])


def _anonymise(subject: Subject) -> None:
    user = subject.user
    own_documents = _own_documents(subject)
    redact_rows(Document.objects.all(), ("title", "description"), subject, own=own_documents)
    own_versions = Q(uploaded_by=user) | Q(document__in=Document.objects.filter(own_documents))
    redact_rows(DocumentVersion.objects.all(), ("note",), subject, own=own_versions)
    # The file name is the download name: the pseudonym as it can stand in a file name.
    placeholder = file_placeholder(subject.pseudonym)
    for own, versions in (
        (True, DocumentVersion.objects.filter(own_versions)),
        (False, DocumentVersion.objects.exclude(own_versions)),
    ):
        # Names by the database's sieve; text files are read, as their content may name them.
        pks = {
            *mentioning(versions, ("original_name", "file"), subject.probes).values_list(
                "pk", flat=True
            ),
            *versions.filter(content_type__startswith="text/").values_list("pk", flat=True),
        }
        for version in DocumentVersion.objects.filter(pk__in=pks).order_by("pk"):
            clean = subject.redact(version.original_name, own=own, placeholder=placeholder)
            if clean != version.original_name:
                version.original_name = clean[:200]
                version.save(update_fields=["original_name"])
            _rewrite_file(version, subject, own=own)
    # The documents stay with their space or project; who uploaded them is forgotten.
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
        collect=_collect,
    )
)
