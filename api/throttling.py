"""Rate limits: per token (or per signed-in account) and per address for anonymous callers.
Past the limit the API answers 429 with `Retry-After` (seconds) and the error body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # DRF's views import these settings' classes: no cycle at run time
    from rest_framework.views import APIView


class PerToken(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        token = getattr(request.auth, "pk", None)
        ident = f"token-{token}" if token is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class Anonymous(SimpleRateThrottle):
    scope = "anonymous"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
