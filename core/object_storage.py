"""Where files of the portal live (documents, reports): Django's storage API, by alias.

By default each alias (`STORAGES["documents"]`, `STORAGES["reports"]`) is the local disk under
its own setting (DOCUMENTS_ROOT, REPORTS_ROOT), outside every directory a web server serves.
With OBJECT_STORAGE_BUCKET set, both are an S3-compatible object store (django-storages), each
under its own prefix. Either way a stored file has no address of its own: it leaves the portal
only through a download view that checks permission first and streams the bytes.

This module knows no app: the apps name their alias (`StorageProxy("documents")`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.functional import LazyObject, cached_property, empty
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from storages.backends.s3 import S3File, S3Storage

logger = logging.getLogger(__name__)

# What a store raises when it refuses, times out or cannot be reached (a full disk is an
# OSError too): callers answer these with a clear message, never a 500.
STORE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError, Boto3Error)


def may_have_arrived(error: Exception) -> bool:
    """Whether a failed upload may have reached the store all the same (it answered, or the
    answer timed out): then the name is removed again. Without a connection nothing was sent,
    and trying to remove it would only wait for the dead store a second time."""
    return not isinstance(error, BotoConnectionError)


class RootedFileSystemStorage(FileSystemStorage):
    """The local disk under the directory a setting names (`root_setting`), read when first
    used, so a test that moves the directory gets a storage there; no URL."""

    root_setting = ""

    @cached_property
    def base_location(self) -> str:
        configured = getattr(self, "_location", None)
        return str(self._value_or_setting(configured, getattr(settings, self.root_setting)))

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)  # type: ignore[arg-type]
        if setting == self.root_setting:
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError("Stored files have no URL: they are downloaded through the portal.")


class PrivateS3Storage(S3Storage):  # type: ignore[misc] # django-storages has no types
    """django-storages' S3 backend without addresses: a file leaves the bucket only through the
    portal's permission-checked download (objects are private, `default_acl` None)."""

    def url(
        self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        raise ValueError("Stored files have no URL: they are downloaded through the portal.")


CHUNK = 64 * 1024


class Chunks:
    """A stored file's bytes for a streaming response, chunk by chunk. Django calls `close()`
    when the response ends, read or not (a HEAD request reads nothing): the file and the
    bucket's answer are closed then, not when the garbage collector gets to them."""

    def __init__(self, chunks: Iterator[bytes], *closers: Callable[[], object]) -> None:
        self.chunks, self.closers = chunks, closers

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        for close in self.closers:
            close()


def _from_disk(handle: IO[bytes], left: int | None, chunk: int) -> Iterator[bytes]:
    while left is None or left > 0:
        data = handle.read(chunk if left is None else min(chunk, left))
        if not data:
            break
        if left is not None:
            left -= len(data)
        yield data


def read_part(handle: IO[bytes], first: int, length: int | None, chunk: int = CHUNK) -> Chunks:
    """`length` bytes (None: to the end) from byte `first` of an opened stored file, closed with
    the response. From a bucket by one GET of just that part, made here, so that a store that
    does not answer raises before any byte is sent: django-storages' file would copy the whole
    object into a temporary file (in memory) on the first read. From the disk by seek and read.
    """
    if isinstance(handle, S3File):
        try:
            if length is None and first == 0:
                answer = handle.obj.get()
            else:
                last = "" if length is None else str(first + length - 1)
                answer = handle.obj.get(Range=f"bytes={first}-{last}")
        except BaseException:
            handle.close()
            raise
        body = answer["Body"]
        return Chunks(body.iter_chunks(chunk), body.close, handle.close)
    handle.seek(first)
    return Chunks(_from_disk(handle, length, chunk), handle.close)


def whole_file_response(
    handle: IO[bytes], *, content_type: str, as_attachment: bool = False, filename: str = ""
) -> FileResponse | StreamingHttpResponse:
    """A stored file as a whole, in chunks. From the disk: Django's FileResponse (the server's
    file wrapper). From a bucket: the object streamed as it arrives (`read_part`), with its
    length from the HEAD request django-storages made when the file was opened; an error of
    the store is raised here, for the caller to answer (503) before anything is sent."""
    if not isinstance(handle, S3File):
        return FileResponse(
            handle, content_type=content_type, as_attachment=as_attachment, filename=filename
        )
    size = handle.obj.content_length
    response = StreamingHttpResponse(read_part(handle, 0, None), content_type=content_type)
    response["Content-Length"] = str(size)
    if disposition := content_disposition_header(as_attachment, filename):
        response["Content-Disposition"] = disposition
    return response


class StorageProxy(LazyObject):
    """`storages[alias]`, looked up when first used and again after STORAGES changes."""

    def __init__(self, alias: str) -> None:
        self.__dict__["_alias"] = alias
        super().__init__()
        setting_changed.connect(self._reset, weak=False)

    def _setup(self) -> None:
        self._wrapped: object = storages[self.__dict__["_alias"]]

    def _reset(self, *, setting: str, **kwargs: Any) -> None:
        if setting == "STORAGES":
            self._wrapped = empty


_BY_ALIAS: dict[str, StorageProxy] = {}


def storage_by_alias(alias: str) -> Storage:
    """One `StorageProxy` per alias, for FileField(storage=...) and services."""
    if alias not in _BY_ALIAS:
        _BY_ALIAS[alias] = StorageProxy(alias)
    return cast(Storage, _BY_ALIAS[alias])


def store_unavailable(request: HttpRequest) -> HttpResponse:
    """The answer to a download the store cannot serve right now (after the permission check):
    503 with a page that says so, instead of an error page."""
    return render(request, "core/store_unavailable.html", status=503)


def upload_download(
    request: HttpRequest, storage: Storage, name: str, *, filename: str, content_type: str
) -> HttpResponseBase:
    """A file someone uploaded (a document's version, a meeting's file), as a download, after
    the caller's permission check: Http404 when the store has lost it, 503 when the store does
    not answer. The name is the uploader's, sent as metadata (RFC 5987 encoded, never a path);
    the browser may neither guess another type nor run it, and keeps no copy."""
    try:
        response = whole_file_response(
            storage.open(name, "rb"),
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )
    except FileNotFoundError as exc:
        raise Http404 from exc
    except STORE_ERRORS:
        logger.warning("the store cannot serve %s", name, exc_info=True)
        return store_unavailable(request)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def object_stores() -> list[S3Storage]:
    """The configured storages that are S3 buckets."""
    found = []
    for alias, entry in settings.STORAGES.items():
        # By class first: the others (static files' manifest) are not built for the question.
        backend = import_string(str(entry["BACKEND"]))
        if isinstance(backend, type) and issubclass(backend, S3Storage):
            found.append(storages[alias])
    return found


def object_storage_problem() -> str | None:
    """For the readiness check: None when no object store is configured or every bucket
    answers; otherwise a short reason (a missing bucket, refused access, no connection)."""
    seen: set[tuple[str, str]] = set()
    for store in object_stores():
        key = (str(store.endpoint_url or ""), str(store.bucket_name))
        if key in seen:
            continue
        seen.add(key)
        where = store.endpoint_url or "AWS S3"
        try:
            store.connection.meta.client.head_bucket(Bucket=store.bucket_name)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 or code in {"404", "NoSuchBucket"}:
                return f"object storage: bucket {store.bucket_name!r} does not exist at {where}"
            if status == 403 or code in {"403", "AccessDenied"}:
                return f"object storage: access to bucket {store.bucket_name!r} at {where} denied"
            return f"object storage: bucket {store.bucket_name!r} at {where}: {code or status}"
        except (BotoCoreError, OSError) as error:
            return f"object storage at {where} cannot be reached ({type(error).__name__})"
    return None
