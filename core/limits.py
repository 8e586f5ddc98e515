"""Limits the portal sets on people's requests (rate limits, lock-outs): one way to answer them.

A limit that is hit raises `LimitExceeded` wherever it is checked (a form's clean, a service);
`LimitExceededMiddleware` answers it with the 429 page naming what is limited.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LimitExceeded(Exception):  # noqa: N818 - reads as what happened, like Django's Http404
    """A limit was hit; `what` is a translated sentence that names it for the person."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def respond_429(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "429.html", {"limited": what}, status=429)


class LimitExceededMiddleware:
    """Turns a LimitExceeded raised anywhere in a view into the 429 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, LimitExceeded):
            return respond_429(request, exception.what)
        return None
