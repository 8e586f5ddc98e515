"""The second-factor step of allauth's sign-in, with one exception: a sign-in by the city's
identity provider that asserts a second factor (`amr`/`acr`, identity app) is not asked again.
A password sign-in, or a provider sign-in without that assertion, is asked as before."""

from __future__ import annotations

from allauth.mfa import stages
from django.http import HttpRequest

from .security import second_factor_by_provider


class AuthenticateStage(stages.AuthenticateStage):
    def _should_handle(self, request: HttpRequest) -> bool:
        if second_factor_by_provider(request):
            return False
        return bool(super()._should_handle(request))
