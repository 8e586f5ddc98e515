"""The portal's authentication backends: Django's and allauth's, with the signed-in account
read together with its facts (portal.facts) in one query on every request.

Signing in is unchanged (the same `authenticate` of each parent). Only `get_user`, which
Django calls on every request of a session, reads the account with `load_account` instead of
`User.objects.get`: the same row, plus what the rule tables and the layout would otherwise
ask in further queries. On other databases than PostgreSQL it is the parent's `get_user`.

Sessions signed in before these backends name their parents; `LEGACY_BACKENDS` maps those
names onto these classes (portal.middleware.SessionBackendMiddleware), so nobody is signed out
by the change.
"""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends

from .facts import load_account, reads_facts_at_once


class _AccountWithFacts:
    def get_user(self, user_id: Any) -> Any:
        if not reads_facts_at_once():
            return super().get_user(user_id)  # type: ignore[misc]
        user = load_account(user_id)
        if user is None or not self.user_can_authenticate(user):  # type: ignore[attr-defined]
            return None
        return user


class ModelBackend(_AccountWithFacts, django_backends.ModelBackend):
    """Django's ModelBackend (the admin's sign-in), the account read with its facts."""


# allauth's backend has no type hints (mypy sees Any).
class AuthenticationBackend(_AccountWithFacts, allauth_backends.AuthenticationBackend):  # type: ignore[misc]
    """allauth's backend (sign-in by e-mail address), the account read with its facts."""


LEGACY_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "portal.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "portal.backends.AuthenticationBackend",
}
