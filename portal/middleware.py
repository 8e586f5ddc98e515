"""Sessions from before the portal's own authentication backends keep their sign-in."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse

from .backends import LEGACY_BACKENDS


class SessionBackendMiddleware:
    """A session signed in through Django's or allauth's backend names that backend; the
    portal's backends (portal.backends) are their subclasses with the same sign-in, so such a
    session is carried over to them (once; the session is saved with the new name) instead of
    being signed out. Placed before AuthenticationMiddleware, which reads the name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None:
            path = session.get(BACKEND_SESSION_KEY)
            if path in LEGACY_BACKENDS:
                session[BACKEND_SESSION_KEY] = LEGACY_BACKENDS[path]
        return self.get_response(request)
