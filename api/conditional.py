"""Conditional requests (RFC 9110 §13).

Every GET answers with a weak ETag over the representation the caller receives (their own
`actions` included) and honours `If-None-Match` with 304. PUT and PATCH need `If-Match`: 428
without it, 412 when it no longer matches the current representation, so two clients never
overwrite each other silently. Comparison is weak (`W/` ignored on both sides): a compressing
proxy that weakens a tag must not turn every write into 412. The service's own version check
under the row lock closes the gap between this check and the write (also 412)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from .errors import PreconditionFailed, PreconditionRequired


def etag_of(data: Any) -> str:
    text = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return 'W/"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _tags(header: str) -> list[str]:
    return [_opaque(t) for t in header.split(",") if t.strip()]


def matches(header: str, etag: str) -> bool:
    tags = _tags(header)
    return "*" in tags or _opaque(etag) in tags


def respond(request: Request, data: Any, *, headers: dict[str, str] | None = None) -> Response:
    """200 with the data and its ETag, or 304 when the caller's copy is current."""
    etag = etag_of(data)
    answer_headers = {"ETag": etag, **(headers or {})}
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and matches(if_none_match, etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=answer_headers)
    return Response(data, headers=answer_headers)


def require_match(request: Request, current: Any) -> None:
    """Refuse a write that does not name the current representation (428, 412)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired
    if not matches(header, etag_of(current)):
        raise PreconditionFailed
