"""Versions and their end (RFC 9745 `Deprecation`, RFC 8594 `Sunset`).

The version is in the address (/api/v1/). Within a version only fields and addresses are
added. What is to go is announced in API_DEPRECATIONS (settings), by address prefix: from the
deprecation date on, every answer under it carries `Deprecation` (the date, as @seconds),
`Sunset` (the HTTP date it stops) and a `Link` to its successor, at least six months ahead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.request import Request


def _when(day: Any) -> dt.datetime:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def announce(request: Request, response: HttpResponseBase) -> None:
    for prefix, plan in getattr(settings, "API_DEPRECATIONS", {}).items():
        if not request.path.startswith(prefix):
            continue
        deprecated = _when(plan["deprecated"])
        if timezone.now() < deprecated:
            continue
        response["Deprecation"] = f"@{int(deprecated.timestamp())}"
        response["Sunset"] = http_date(_when(plan["sunset"]).timestamp())
        if plan.get("successor"):
            response["Link"] = f'<{plan["successor"]}>; rel="successor-version"'
