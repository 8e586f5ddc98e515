"""Every write of the documents app: upload, new version, delete, and the retention job.

An upload is checked completely before anything is written (name, size, type from the
content, extension); only then is the file stored under a name the portal makes, and the rows,
the audit entry and the notices are written in one transaction. Should that transaction fail,
the stored file is removed again: a refused or failed upload leaves neither row nor file.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import User
from core.audiences import Actor
from core.models import AuditEntry
from core.object_storage import STORE_ERRORS
from core.services import audit_record
from core.uploads import Checked, check_upload, store
from notifications.kinds import Kind as NoticeKind
from notifications.recipients import authority_officers, project_people
from notifications.services import notify_each
from projects.models import Project, ProjectGuest
from spaces.models import Membership, Space

from .models import Document, DocumentVersion
from .permissions import DOCUMENT, may_add
from .storage import document_storage

logger = logging.getLogger(__name__)


def _store(checked: Checked) -> tuple[str, str]:
    """Write the file under a generated name; (stored name, SHA-256). A store that refuses
    is a message at the file field (core.uploads.store removes what may have arrived)."""
    try:
        return store(checked, storage=document_storage, directory="documents")
    except ValidationError as error:
        raise ValidationError({"file": error.messages}, code="store") from error


def _remove_quietly(name: str) -> None:
    try:
        document_storage.delete(name)
    except STORE_ERRORS:
        logger.warning("documents: %s could not be removed; the retention job will", name)


def _version(
    *, document: Document, checked: Checked, stored: str, sha256: str, actor: Actor, note: str
) -> DocumentVersion:
    latest = document.versions.aggregate(n=Max("number"))["n"] or 0
    version = DocumentVersion(
        document=document,
        number=latest + 1,
        file=stored,
        original_name=checked.original_name,
        extension=checked.extension,
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=sha256,
        uploaded_by=actor,
        note=note,
    )
    version.full_clean()
    version.save()
    return version


def _write(checked: Checked, write: Any) -> Any:
    """Store the file, then run `write(stored, sha256)` in a transaction; no file stays behind
    if it fails."""
    stored, sha256 = _store(checked)
    try:
        with transaction.atomic():
            return write(stored, sha256)
    except BaseException:
        _remove_quietly(stored)
        raise


def document_create(
    *,
    actor: Actor,
    container: Space | Project,
    title: str,
    description: str = "",
    upload: Any,
    notify: bool = True,
) -> Document:
    """A new document with its first version in a space or on a project."""
    if not may_add(actor, container):
        raise PermissionDenied
    checked = check_upload(upload)
    document = Document(
        space=container if isinstance(container, Space) else None,
        project=container if isinstance(container, Project) else None,
        title=title.strip(),
        description=description.strip(),
        created_by=actor,
    )
    document.full_clean()

    def write(stored: str, sha256: str) -> Document:
        document.save()
        version = _version(
            document=document, checked=checked, stored=stored, sha256=sha256, actor=actor, note=""
        )
        audit_record(
            actor=actor,
            instance=document,
            action=AuditEntry.Action.CREATE,
            changes=_audited(document, version),
        )
        if notify:
            _tell(document, version, actor)
        return document

    result: Document = _write(checked, write)
    return result


def document_version_add(
    *, actor: Actor, document: Document, upload: Any, note: str = "", notify: bool = True
) -> DocumentVersion:
    """A new version of a document; the earlier ones stay."""
    if not DOCUMENT.can(actor, "add", document):
        raise PermissionDenied
    checked = check_upload(upload)

    def write(stored: str, sha256: str) -> DocumentVersion:
        # One version at a time per document: the number is the next under the row lock.
        locked = Document.objects.select_for_update().get(pk=document.pk, deleted_at__isnull=True)
        version = _version(
            document=locked,
            checked=checked,
            stored=stored,
            sha256=sha256,
            actor=actor,
            note=note.strip(),
        )
        locked.updated_at = version.uploaded_at
        locked.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditEntry.Action.UPDATE,
            changes={"version": {"old": version.number - 1, "new": version.number}}
            | {k: {"old": None, "new": v} for k, v in _audited(locked, version).items()},
        )
        if notify:
            _tell(locked, version, actor)
        return version

    result: DocumentVersion = _write(checked, write)
    return result


def _audited(document: Document, version: DocumentVersion) -> dict[str, Any]:
    return {
        "title": document.title,
        "file": version.original_name,
        "type": version.content_type,
        "size": version.size,
        "sha256": version.sha256,
    }


def document_delete(*, actor: Actor, document: Document) -> Document:
    """Mark deleted: gone for everyone at once; files and rows go with the retention job."""
    if not DOCUMENT.can(actor, "delete", document):
        raise PermissionDenied
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.deleted_at is not None:
            return locked
        locked.deleted_at = timezone.now()
        locked.deleted_by = actor
        locked.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditEntry.Action.DELETE,
            changes={"deleted_at": {"old": None, "new": locked.deleted_at.isoformat()}},
        )
    return locked


# --- Notices ----------------------------------------------------------------------------------


def readers(document: Document) -> list[User]:
    """The people of the document's space or project who may see it."""
    if document.space_id is not None:
        candidates = list(
            User.objects.filter(
                is_active=True,
                person__memberships__in=Membership.objects.active().filter(
                    space_id=document.space_id
                ),
            ).distinct()
        )
    else:
        project = document.project
        assert project is not None
        space_ids = {project.primary_space_id, *project.spaces.values_list("pk", flat=True)}
        participating = project.participating_authorities.values_list("pk", flat=True)
        candidates = [
            *project_people(project),
            *authority_officers(participating),
            *User.objects.filter(
                is_active=True,
                person__memberships__in=Membership.objects.active().filter(
                    space_id__in=space_ids, role=Membership.Role.GUEST
                ),
            ).distinct(),
            *User.objects.filter(
                is_active=True,
                person__project_guests__in=ProjectGuest.objects.active().filter(project=project),
            ).distinct(),
        ]
    unique = {user.pk: user for user in candidates}
    return [user for user in unique.values() if DOCUMENT.can(user, "view", document)]


def _tell(document: Document, version: DocumentVersion, actor: Actor) -> None:
    where = document.space.name if document.space else str(document.project)
    by = actor.get_full_name() or actor.email

    def compose(user: User) -> tuple[str, list[str]]:
        if version.number == 1:
            title = _("Neues Dokument: %(title)s") % {"title": document.title}
        else:
            title = _("Neue Version %(n)s: %(title)s") % {
                "n": version.number,
                "title": document.title,
            }
        return title, [
            _("%(who)s hat in %(where)s hochgeladen: %(file)s")
            % {"who": by, "where": where, "file": version.original_name},
        ]

    notify_each(
        readers(document),
        kind=NoticeKind.DOCUMENT_ADDED,
        compose=compose,
        url=reverse("documents:detail", args=[document.pk]),
        space=document.space if document.space_id else None,
        project=document.project if document.project_id else None,
        exclude=actor,
    )


# --- Retention --------------------------------------------------------------------------------


def purge_deleted(*, now: dt.datetime | None = None) -> int:
    """Remove the files and rows of documents deleted more than DOCUMENT_RETENTION_DAYS ago,
    and files left without a row for as long; the number of documents and loose files removed.

    Idempotent: a file already gone counts as removed; a document is removed only with all its
    files, so a run that fails half-way is finished by the next one.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.DOCUMENT_RETENTION_DAYS)
    removed = 0
    due = Document.objects.filter(deleted_at__lt=cutoff).order_by("pk")
    for document in due.iterator():
        with transaction.atomic():
            locked = Document.objects.select_for_update(skip_locked=True).filter(pk=document.pk)
            row = locked.first()
            if row is None:
                continue
            names = list(row.versions.values_list("file", flat=True))
            for name in names:
                if name:
                    document_storage.delete(name)  # no error when it is gone already
            logger.info(
                "documents: removed document %s (%s files) deleted at %s",
                row.pk,
                len(names),
                row.deleted_at,
            )
            row.delete()
            removed += 1
    return removed + _purge_orphans(cutoff)


def _stored_names(directory: str = "documents") -> list[str]:
    """Every file under `directory` of the document storage (recursively)."""
    try:
        directories, names = document_storage.listdir(directory)
    except FileNotFoundError:
        return []
    found = [f"{directory}/{name}" for name in names]
    for sub in directories:
        found += _stored_names(f"{directory}/{sub}")
    return found


def _purge_orphans(cutoff: dt.datetime) -> int:
    """Files no version refers to any more (a deleted project takes its documents' rows with
    it) are removed once they are older than the retention period. A file being uploaded right
    now has no row yet, but it is new, so it stays."""
    referenced = set(DocumentVersion.objects.values_list("file", flat=True))
    removed = 0
    for name in _stored_names():
        if name in referenced or document_storage.get_modified_time(name) >= cutoff:
            continue
        document_storage.delete(name)
        logger.info("documents: removed file %s that no document refers to", name)
        removed += 1
    return removed
