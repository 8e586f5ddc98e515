"""Where document files live: `STORAGES["documents"]`, behind Django's storage API.

By default the local file system under DOCUMENTS_ROOT (outside STATIC_ROOT and every directory
a web server serves), with no URL: a file leaves only through the permission-checked download
view. With OBJECT_STORAGE_BUCKET set, the settings name an S3-compatible store instead
(core.object_storage, README "Files in object storage"); nothing else changes.
"""

from __future__ import annotations

from typing import cast

from django.core.files.storage import Storage

from core.object_storage import RootedFileSystemStorage, StorageProxy


class DocumentStorage(RootedFileSystemStorage):
    """The local disk under DOCUMENTS_ROOT, with no URL."""

    root_setting = "DOCUMENTS_ROOT"


document_storage = cast(Storage, StorageProxy("documents"))


def storage() -> Storage:
    """For FileField(storage=...): the configured store, looked up when used."""
    return document_storage
