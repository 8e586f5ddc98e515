"""Who may use SCIM: whoever presents one of the tokens of SCIM_TOKEN_DIGESTS, and nobody else.

The rule tables of the apps below are about people; the identity management is a machine with
its own bearer token, neither a session nor a personal API token. Only the SHA-256 digest of
each token is configured (hex, comma-separated in the environment); a presented token is
hashed and compared in constant time with each. Without SCIM_TOKEN_DIGESTS no token is
accepted: SCIM is off and every request answers 401.

`TokenCheck` is django-scim2's AUTH_CHECK_MIDDLEWARE: it wraps every SCIM view. A missing or
foreign token is answered with 401 and a SCIM error body, logged in the security log
(`login_refused`, path `scim`), and the view never runs, so nothing changes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.models import SecurityEvent
from core.services import security_log

ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_CONTENT_TYPE = "application/scim+json"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_accepted(token: str) -> bool:
    digest = token_digest(token)
    # Every digest is compared, so the time does not tell which one matched.
    matches = [hmac.compare_digest(digest, known) for known in settings.SCIM_TOKEN_DIGESTS]
    return any(matches)


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body: dict[str, Any] = {"schemas": [ERROR_URN], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return HttpResponse(json.dumps(body), status=status, content_type=SCIM_CONTENT_TYPE)


def _refused(request: HttpRequest, reason: str, detail: str) -> HttpResponse:
    security_log(kind=SecurityEvent.Kind.LOGIN_REFUSED, request=request, path="scim", reason=reason)
    response = scim_error(401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


class TokenCheck:
    def __init__(self, get_response: Callable[..., HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SCIM_TOKEN_DIGESTS:
            return _refused(request, "scim_off", "SCIM provisioning is not configured here.")
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _refused(request, "no_token", "A bearer token is required.")
        if not token_accepted(token.strip()):
            return _refused(request, "foreign_token", "The bearer token is not accepted.")
        return self.get_response(request, *args, **kwargs)
