"""The identity app listens to the sign-in: a portal session that began at the identity provider
is recorded with the provider's session, for the back-channel logout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from contacts.models import User

from .logout import SESSION_KEY
from .services import provider_session_record


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or getattr(request, "session", None) is None:
        return
    remembered = request.session.get(SESSION_KEY)
    if isinstance(remembered, dict):
        provider_session_record(
            user=user,
            session_key=request.session.session_key or "",
            remembered={k: str(v) for k, v in remembered.items() if k != "id_token"},
        )
