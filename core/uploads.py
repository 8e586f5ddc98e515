"""Uploads of files (documents, meeting files): the size limit while the body streams in, the
complete check of one file before anything is stored, and the storage a file goes to.

The size limit, enforced while the request body streams in:

Django keeps an upload of up to FILE_UPLOAD_MAX_MEMORY_SIZE in memory and streams a larger one
to a temporary file. This handler, first in FILE_UPLOAD_HANDLERS, counts the bytes of each file
as they arrive and skips a file as soon as it passes DOCUMENT_MAX_SIZE: the rest of it is read
and thrown away, the temporary file is removed, and the form is told why the file is missing
(`refused_uploads`). A file over the limit is never kept whole, in memory or on disk.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import Storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from . import filetypes
from .object_storage import STORE_ERRORS, may_have_arrived

logger = logging.getLogger(__name__)

_REFUSED = "_portal_refused_uploads"


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.DOCUMENT_MAX_SIZE:
            if self.request is not None:
                refused: set[str] = getattr(self.request, _REFUSED, set())
                refused.add(self.field_name)
                setattr(self.request, _REFUSED, refused)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def refused_uploads(request: HttpRequest) -> set[str]:
    """The file fields whose upload was skipped for its size (parse the body first)."""
    return set(getattr(request, _REFUSED, set()))


def too_large_message() -> str:
    return _("Die Datei ist größer als %(max)s.") % {
        "max": filetypes.size_label(settings.DOCUMENT_MAX_SIZE)
    }


# --- The check of one file -------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """An upload that passed every check, ready to be stored."""

    handle: IO[bytes]
    original_name: str
    kind: filetypes.Kind
    extension: str
    size: int


def check_upload(upload: Any, *, field: str = "file") -> Checked:
    """Refuse what may not be stored, with the reason (ValidationError at `field`): the name,
    the size (DOCUMENT_MAX_SIZE), an empty file, the type from the content."""
    if upload is None:
        raise ValidationError({field: _("Bitte wählen Sie eine Datei aus.")})
    try:
        extension = filetypes.check_name(str(upload.name or ""))
        size = int(upload.size or 0)
        if size > settings.DOCUMENT_MAX_SIZE:
            raise ValidationError(too_large_message(), code="size")
        if size == 0:
            raise ValidationError(_("Die Datei ist leer."), code="empty")
        kind = filetypes.detect(upload, extension)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from error
    return Checked(upload, str(upload.name), kind, extension, size)


def store(checked: Checked, *, storage: Storage, directory: str) -> tuple[str, str]:
    """Write the file under a name the portal makes, `<directory>/<yyyy>/<mm>/<random>.<ext>`
    (the uploader's name is metadata only); (stored name, SHA-256 of the content). A store that
    refuses or times out is a ValidationError with a message for the reader, and nothing of
    the file is left behind."""
    digest = hashlib.sha256()
    checked.handle.seek(0)
    while chunk := checked.handle.read(64 * 1024):
        digest.update(chunk)
    checked.handle.seek(0)
    now = timezone.now()
    name = f"{directory}/{now:%Y/%m}/{uuid.uuid4().hex}.{checked.kind.extensions[0]}"
    try:
        stored = storage.save(name, File(checked.handle, name=name))
    except STORE_ERRORS as error:
        # Refused, timed out or unreachable: an upload that failed is not kept, and what may
        # have arrived all the same is removed (or, with the store still failing, by the
        # retention job as a file no row names).
        logger.warning("uploads: the store refused %s: %r", name, error)
        if may_have_arrived(error):
            try:
                storage.delete(name)
            except STORE_ERRORS:
                logger.warning("uploads: %s could not be removed; the retention job will", name)
        message = _(
            "Die Datei konnte nicht gespeichert werden: der Dateispeicher ist gerade nicht "
            "erreichbar. Es wurde nichts hochgeladen; bitte versuchen Sie es in einigen "
            "Minuten erneut."
        )
        raise ValidationError(message, code="store") from error
    return stored, digest.hexdigest()
