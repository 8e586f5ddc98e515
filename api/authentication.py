"""Who calls: a personal token (`Authorization: Bearer hdr_…`, tokens app) or the session of a
signed-in person (the docs' "try it out"; CSRF checked for writes, as on the pages)."""

from __future__ import annotations

from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """The portal's session; a person who has not finished the second factor is anonymous."""
