"""The upload size limit, enforced while the request body streams in.

Django keeps an upload of up to FILE_UPLOAD_MAX_MEMORY_SIZE in memory and streams a larger one
to a temporary file. This handler, first in FILE_UPLOAD_HANDLERS, counts the bytes of each file
as they arrive and skips a file as soon as it passes DOCUMENT_MAX_SIZE: the rest of it is read
and thrown away, the temporary file is removed, and the form is told why the file is missing
(`refused_uploads`). A file over the limit is never kept whole, in memory or on disk.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

_REFUSED = "_documents_refused_uploads"


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
