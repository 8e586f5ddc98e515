"""Where document files live: `STORAGES["documents"]`, behind Django's storage API.

By default the local file system under DOCUMENTS_ROOT (outside STATIC_ROOT and every directory
a web server serves), with no URL: a file leaves only through the permission-checked download
view. An S3-compatible store is configured by naming django-storages' S3 backend in
`STORAGES["documents"]` instead (README); nothing else changes.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty


class DocumentStorage(FileSystemStorage):
    """FileSystemStorage whose default location is DOCUMENTS_ROOT (read when first used, so a
    test that moves DOCUMENTS_ROOT gets a storage there), and which has no URL."""

    @cached_property
    def base_location(self) -> str:
        configured = getattr(self, "_location", None)
        return str(self._value_or_setting(configured, settings.DOCUMENTS_ROOT))

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)  # type: ignore[arg-type]
        if setting == "DOCUMENTS_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError("Documents have no URL: they are downloaded through the portal.")


class _DocumentStorageProxy(LazyObject):
    def _setup(self) -> None:
        self._wrapped: object = storages["documents"]


document_storage = cast(Storage, _DocumentStorageProxy())


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        cast(Any, document_storage)._wrapped = empty


def storage() -> Storage:
    """For FileField(storage=...): the configured store, looked up when used."""
    return document_storage
