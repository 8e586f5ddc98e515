"""Pages that belong to no single app: health, the legal pages, the error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from . import help, readiness
from .limits import respond_429
from .models import SecurityEvent
from .personal_data import self_service_url
from .services import security_log

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database and the cache answer, or 503 (docker-compose's health check and the
    benchmarks' baseline; Kubernetes asks /livez and /readyz)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:  # any failure means "not ready"; details go to the log, not the body
        logger.exception("healthz: database check failed")
        checks["database"] = "error"
    try:
        cache.set("healthz", "ok", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error"
    except Exception:
        logger.exception("healthz: cache check failed")
        checks["cache"] = "error"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Nothing else is asked, so an outage of the database or
    Redis takes pods out of service (readyz) without restarting them all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: every check of core.readiness (database, cache, broker, and what apps
    register) passes, or 503 naming the failed check and a short reason."""
    ready, checks = readiness.run_checks()
    return JsonResponse(
        {"status": "ok" if ready else "error", "checks": checks}, status=200 if ready else 503
    )


def _legal_context() -> dict:
    return {
        "contact_email": settings.PORTAL_CONTACT_EMAIL,
        "feedback_email": settings.PORTAL_FEEDBACK_EMAIL,
        "privacy_email": settings.PORTAL_PRIVACY_EMAIL,
        "placeholder": settings.PORTAL_CONTACT_IS_PLACEHOLDER,
        "guest_retention_days": settings.GUEST_RETENTION_DAYS,
        "security_log_retention_days": settings.SECURITY_LOG_RETENTION_DAYS,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "invitation_link_days": 14,
        "my_data_url": self_service_url(),
    }


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """Datenschutzerklärung: controller, purposes, legal bases, retention, rights."""
    return render(request, "core/privacy.html", _legal_context())


@require_safe
def legal_notice(request: HttpRequest) -> HttpResponse:
    """Impressum."""
    return render(request, "core/legal_notice.html", _legal_context())


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """Erklärung zur Barrierefreiheit (BITV 2.0)."""
    return render(request, "core/accessibility.html", _legal_context())


@require_safe
def terms(request: HttpRequest) -> HttpResponse:
    """Nutzungsbedingungen, accepted with an invitation."""
    return render(request, "core/terms.html", _legal_context())


@require_safe
def help_index(request: HttpRequest) -> HttpResponse:
    return render(request, "core/help_index.html", {"areas": help.AREAS})


@require_safe
def help_area(request: HttpRequest, area: str) -> HttpResponse:
    found = help.area(area)
    if found is None:
        raise Http404
    terms = [help.TERMS[t] for t in found.terms]
    return render(request, "core/help_area.html", {"area": found, "terms": terms})


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    return render(request, "core/glossary.html", {"terms": help.GLOSSARY})


# Under this prefix errors are answered in the API's error body, never as an HTML page.
API_PREFIX = "/api/v"
API_ERRORS = {
    400: ("invalid", gettext_lazy("Die Anfrage ist ungültig.")),
    403: ("permission_denied", gettext_lazy("Das dürfen Sie nicht.")),
    404: ("not_found", gettext_lazy("Diese Adresse gibt es nicht.")),
    500: ("server_error", gettext_lazy("Ein Fehler im Portal; er wurde protokolliert.")),
}


def _api_error(request: HttpRequest | None, status: int) -> HttpResponse | None:
    if request is None or not request.path.startswith(API_PREFIX):
        return None
    code, detail = API_ERRORS[status]
    return JsonResponse({"status": status, "code": code, "detail": str(detail)}, status=status)


def error_400(
    request: HttpRequest, exception: Exception | None = None, *, bad_characters: bool = False
) -> HttpResponse:
    return _api_error(request, 400) or render(
        request, "400.html", {"bad_characters": bad_characters}, status=400
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 403) or render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 404) or render(request, "404.html", status=404)


# What allauth's rate limits protect, by the page that hit them (the 429 page names it).
LIMITED_BY_PAGE = {
    "account_login": gettext_lazy("Anmeldeversuche von Ihrem Anschluss"),
    "account_reset_password": gettext_lazy("Anträge auf ein neues Passwort"),
    "account_reset_password_from_key": gettext_lazy("Versuche, ein neues Passwort zu setzen"),
    "account_change_password": gettext_lazy("Passwortänderungen Ihres Kontos"),
    "account_email": gettext_lazy("Änderungen Ihrer E-Mail-Adressen"),
    "account_reauthenticate": gettext_lazy("Bestätigungen mit Ihrem Passwort"),
    "account_confirm_email": gettext_lazy("Bestätigungsmails für Ihre E-Mail-Adresse"),
    "invitation_accept": gettext_lazy("Aufrufe dieses Einladungslinks"),
    "my_data_delete": gettext_lazy("Bestätigungen mit Ihrem Passwort"),
}


def error_429(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Too many attempts (allauth's rate limits): a clear page, and an entry in the security log."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    page = match.url_name if match is not None else ""
    security_log(
        kind=SecurityEvent.Kind.RATE_LIMITED,
        user=user if user is not None and user.is_authenticated else None,
        request=request,
        path=request.path[:200],
    )
    what = LIMITED_BY_PAGE.get(page or "", gettext_lazy("Anfragen von Ihrem Anschluss"))
    return respond_429(request, str(what))


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without request context processors: whatever broke must not break this page.
    return _api_error(request, 500) or HttpResponseServerError(
        loader.get_template("500.html").render({})
    )
