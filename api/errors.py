"""One error body for every answer of the API that is not a success.

    {"status": 400, "code": "invalid", "detail": "…", "errors": {"title": ["…"]}}

`errors` names fields (and `non_field_errors` for the whole request) only where the request
was invalid. The services' refusals come as Django's ValidationError and PermissionDenied and
are answered as the pages answer them: 400 with the message at the field, 403; an object the
caller may not see is 404, as on the pages. Errors Django raises before the API's views (an
unknown address under /api/, a server error) get the same body from core's error views.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.models import SecurityEvent
from core.services import security_log


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = _(
        "Änderungen brauchen den Kopf If-Match mit dem ETag der zuletzt gelesenen Fassung."
    )


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = _(
        "Jemand hat das Objekt inzwischen geändert (der ETag stimmt nicht mehr): Bitte lesen "
        "Sie es neu und wiederholen Sie die Änderung. Es wurde nichts gespeichert."
    )


class StoreUnavailable(exceptions.APIException):
    """A file the caller may download that the object store cannot serve right now (the
    pages answer the same with `core.object_storage.store_unavailable`)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "store_unavailable"
    default_detail = _(
        "Der Dateispeicher des Portals antwortet gerade nicht. Die Datei ist nicht verloren; "
        "bitte versuchen Sie es in einigen Minuten erneut."
    )


def _rows(error: DjangoValidationError) -> DjangoValidationError:
    """A multi-row service (the budget) names each refused row; the API writes one row."""
    rows = getattr(error, "rows", None)
    if rows:
        for by_index in rows.values():
            for row_error in by_index.values():
                return row_error
    return error


def _is_stale(error: DjangoValidationError) -> bool:
    if getattr(error, "code", None) == "stale":
        return True
    if hasattr(error, "error_dict"):
        parts = [e for errors in error.error_dict.values() for e in errors]
    else:
        parts = getattr(error, "error_list", [])
    return any(getattr(e, "code", None) == "stale" for e in parts if e is not error)


def _messages(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [
                str(m) for e in errors for m in e.messages
            ]
            for field, errors in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError(_messages(error))


def _flat(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flat(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flat(value)]
    return [str(detail)]


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(k): v if isinstance(v, (list, dict)) else [str(v)] for k, v in detail.items()}
    return {"non_field_errors": _flat(detail)}


def body(status_code: int, code: str, detail: str, errors: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {"status": status_code, "code": code, "detail": detail}
    if errors:
        data["errors"] = errors
    return data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = _rows(exc)
        # Someone saved since the caller read (the service's version check under the lock).
        exc = PreconditionFailed() if _is_stale(exc) else from_django(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.Throttled):
        request = context.get("request")
        security_log(
            kind=SecurityEvent.Kind.RATE_LIMITED,
            user=getattr(request, "user", None),
            request=request,
            path=getattr(request, "path", "")[:200],
        )
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = body(
            response.status_code,
            "invalid",
            str(_("Die Anfrage ist ungültig: Bitte prüfen Sie die genannten Felder.")),
            _field_errors(exc.detail),
        )
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = body(response.status_code, str(code), " ".join(_flat(exc.detail)))
    return response
