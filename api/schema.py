"""The schema is the contract (drf-spectacular writes it, schemathesis tests the API against
it): every error the API can answer is in it, with the one error body."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {
    "type": "object",
    "required": ["status", "code", "detail"],
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Messages by field (invalid requests only).",
            "additionalProperties": True,
        },
    },
}

REASONS = {
    "400": "The request is invalid (messages by field).",
    "401": "No valid token: missing, unknown, revoked, expired, or its owner's access ended.",
    "403": "Visible, but the caller may not do this (or the token is read-only or limited to "
    "other spaces).",
    "404": "No such object, or one the caller may not see.",
    "406": "The Accept header asks for a format the API does not offer.",
    "412": "If-Match does not name the current version: someone changed it since.",
    "415": "The body is not JSON.",
    "428": "If-Match is missing.",
    "429": "Too many requests: wait the seconds of Retry-After.",
}
WRITES = {"post", "put", "patch", "delete"}


def _error(reason: str) -> dict[str, Any]:
    return {
        "description": reason,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            codes = ["400", "401", "403", "404", "406", "429"]
            if method in WRITES:
                codes.append("415")
            if method in ("put", "patch", "delete"):
                codes += ["412", "428"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _error(REASONS[code]))
            if method == "get" and "200" in responses:
                responses.setdefault("304", {"description": "Not modified (If-None-Match)."})
    return result


class SessionScheme(OpenApiAuthenticationExtension):
    """The portal's session cookie (the docs' "try it out" when signed in)."""

    target_class = "api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class TokenScheme(OpenApiAuthenticationExtension):
    """A personal token, made under Konto & Sicherheit (shown once, "hdr_…")."""

    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "hdr_<key>_<secret>"}
