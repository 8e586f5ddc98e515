from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from .text import has_control_chars
from .views import error_400

GetResponse = Callable[[HttpRequest], HttpResponse]


class GermanFirstLocaleMiddleware(LocaleMiddleware):
    """German unless the person chose English with the language switch.

    The browser's Accept-Language is deliberately ignored: the portal speaks German first, and the
    switch in the header (a cookie) is the one way to change that.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; `Cache-Control: no-store` where personal data is.

    Pages shown to a signed-in person, and every page under NO_STORE_PATH_PREFIXES (sign-in,
    account, personal data, contacts, admin), must not stay in a browser or proxy cache.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path_info.startswith(settings.NO_STORE_PATH_PREFIXES):
            add_never_cache_headers(response)
        return response


class RequestSanityMiddleware:
    """A parameter with a NUL byte, another control character or invalid UTF-8 is answered with
    the 400 page before any view sees it (security audit, finding 7).

    Tab, line feed and carriage return are text; every other C0 control character and DEL are
    not. This covers every form and filter of the portal, allauth's and the admin's included.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _request_is_sane(request):
            return error_400(request, bad_characters=True)
        return self.get_response(request)


def _raw_is_sane(raw: bytes | str) -> bool:
    if isinstance(raw, str):
        raw = raw.encode("latin-1", errors="replace")
    # Form encoding: "+" is a space, "%XX" a byte; the bytes must be UTF-8.
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not has_control_chars(text)


def _request_is_sane(request: HttpRequest) -> bool:
    if has_control_chars(request.path_info) or "\ufffd" in request.path_info:
        return False
    if not _raw_is_sane(request.META.get("QUERY_STRING", "")):
        return False
    if request.method not in ("POST", "PUT", "PATCH"):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _raw_is_sane(request.body)
    if content_type.startswith("multipart/form-data"):
        # Django decodes multipart fields with errors="replace": invalid UTF-8 arrives as U+FFFD.
        return not any(
            has_control_chars(v) or "\ufffd" in v
            for _, values in request.POST.lists()
            for v in values
        )
    return True


class QueryCountMiddleware:
    """Benchmarks only (BENCH_QUERY_COUNT=1, see hamburg_digital/settings.py): the number of
    database queries a request made, as the header `X-Query-Count`, under any server and with
    DEBUG off. Queries a streamed response makes after its headers are not counted."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
