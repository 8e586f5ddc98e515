"""Who calls: a personal token (`Authorization: Bearer hdr_…`, tokens app) or the session of a
signed-in person (the docs' "try it out"; CSRF checked for writes, as on the pages).

A token is checked at every request (tokens.services.token_authenticate): revoked, expired, a
deactivated owner or one whose access ended answer 401 at once, with no job in between."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tokens.services import TokenRefused, token_authenticate

KEYWORD = "Bearer"


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(TokenRefused("malformed").args[0])
        try:
            token = token_authenticate(parts[1].decode("latin-1"), request=request._request)
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused), code=refused.code) from None
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The portal's session (the middleware has already checked its second factor)."""
