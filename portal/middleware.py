"""The account's facts for the request, read before the session checks ask for them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .facts import preload_account_facts


class AccountFactsMiddleware:
    """One query for the profile, role facts and unread count of a signed-in account (see
    portal.facts), right after the account is known (AuthenticationMiddleware) and before
    the access and second-factor checks and the layout read them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            preload_account_facts(user)
        return self.get_response(request)
