"""A stored file answered in parts (HTTP byte ranges, RFC 9110 section 14), for the videos:
a browser's video player asks for the part it plays or seeks to (Safari on an iPhone plays no
video whose server ignores ranges), instead of the whole file first.

One range per request (`bytes=0-`, `bytes=500-999`, `bytes=-500`); several ranges, a malformed
header or an `If-Range` (the portal's files carry no validator to compare) are answered with the
whole file, as RFC 9110 lets a server do. A range that starts past the end is answered 416.
"""

from __future__ import annotations

import re
from typing import IO, Literal

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from core.object_storage import read_part, whole_file_response

ONE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def requested_range(header: str, size: int) -> tuple[int, int] | Literal[False] | None:
    """(first, last) byte, both included; None: send the whole file; False: not satisfiable."""
    match = ONE_RANGE.match(header.strip())
    if not match or not any(match.groups()):
        return None
    first, last = match.groups()
    if not first:  # the last n bytes
        suffix = int(last)
        if suffix == 0:
            return False
        return max(size - suffix, 0), size - 1
    start = int(first)
    if start >= size:
        return False
    end = int(last) if last else size - 1
    if end < start:
        return None  # invalid: ignored
    return start, min(end, size - 1)


def ranged_file_response(
    request: HttpRequest,
    handle: IO[bytes],
    *,
    size: int,
    content_type: str,
    as_attachment: bool = False,
    filename: str = "",
) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """The whole file (200) or the asked part of it (206), or 416; `Accept-Ranges` always. An
    error of the store (STORE_ERRORS) is raised here, before anything is sent."""
    wanted = None
    header = request.headers.get("Range", "")
    if header and "If-Range" not in request.headers:
        wanted = requested_range(header, size)
    if wanted is None:
        response: HttpResponse | StreamingHttpResponse | FileResponse = whole_file_response(
            handle, content_type=content_type, as_attachment=as_attachment, filename=filename
        )
    elif wanted is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        first, last = wanted
        length = last - first + 1
        response = StreamingHttpResponse(
            read_part(handle, first, length), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(length)
        if disposition := content_disposition_header(as_attachment, filename):
            response["Content-Disposition"] = disposition
    response["Accept-Ranges"] = "bytes"
    return response
