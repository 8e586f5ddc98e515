from django.conf import settings

from contacts.permissions import Audience, audience, can_view_matrix


def portal(request) -> dict:
    """What the shared layout needs: which navigation entries this person gets."""
    user = getattr(request, "user", None)
    kind = audience(user)
    return {
        "portal_audience": kind,
        "nav_staff": kind in (Audience.ITD, Audience.INTERNAL),
        "nav_signed_in": kind != Audience.ANONYMOUS,
        "nav_matrix": kind != Audience.ANONYMOUS and can_view_matrix(user),
        "nav_admin": kind == Audience.ITD,
        "debug": settings.DEBUG,
        # Session limits, named on the account pages (contacts.security).
        "session_idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        "session_absolute_hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600,
    }
