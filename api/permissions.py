"""What the API adds to the rule tables: nothing about objects (every object is checked by its
model's rule table, in the scoped queryset and in the pages' services), only what the way in
allows: anonymous callers read; a token writes only when it was made for writing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:  # DRF's views import these settings' classes: no cycle at run time
    from rest_framework.views import APIView


def token_of(request: Request) -> Any:
    """The personal token the request came with (None for a session or anonymous)."""
    return request.auth if hasattr(request.auth, "can_write") else None


def may_write(request: Request) -> bool:
    """Writes: a signed-in caller, and with a token only a read-and-write one."""
    if not request.user or not request.user.is_authenticated:
        return False
    token = token_of(request)
    return token is None or bool(token.can_write)


class ApiAccess(BasePermission):
    message = _(
        "Dieser Zugang darf nur lesen: Schreiben braucht eine Anmeldung oder ein Token mit "
        "Schreibrecht."
    )

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or may_write(request)
