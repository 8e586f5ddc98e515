from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from access.permissions import can as can_access
from core.audiences import Audience, audience
from notifications.selectors import unread_count
from reports.permissions import can as can_reports
from spaces.permissions import can as can_spaces
from strategy.permissions import can as can_strategy

# Which entries of the main navigation the address belongs to (aria-current="page"): exact
# addresses, prefixes, and parts (a space's project page is under "Digitale Räume" and
# "Projekte"). In one place, so that the cached navigation varies on the result, not the path.
_EXACT = (("home", "/"), ("dashboard", "/dashboard/"), ("search", "/search/"))
_PREFIX = (("meetings", "/meetings/"), ("spaces", "/spaces/"))
_PART = (
    ("projects", "/projects/"),
    ("strategy", "/strategy/"),
    ("people", "/contacts/people/"),
    ("authorities", "/contacts/authorities/"),
    ("matrix", "/contacts/matrix/"),
    ("reports", "/reports/"),
    ("invitations", "/contacts/invitations/"),
)


def current_sections(path: str) -> tuple[str, ...]:
    """The navigation entries `path` belongs to, in the navigation's order of checks."""
    return (
        tuple(key for key, exact in _EXACT if path == exact)
        + tuple(key for key, prefix in _PREFIX if path.startswith(prefix))
        + tuple(key for key, part in _PART if part in path)
    )


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the shared layout needs: which navigation entries this person gets."""
    user = getattr(request, "user", None)
    kind = audience(user)
    signed_in = kind != Audience.ANONYMOUS
    return {
        "portal_audience": kind,
        "nav_staff": kind in (Audience.ITD, Audience.INTERNAL),
        "nav_signed_in": signed_in,
        "nav_matrix": signed_in and can_spaces(user, "view_matrix"),
        "nav_strategy": signed_in and can_strategy(user, "view_strategy"),
        "nav_invitations": signed_in and can_access(user, "view_all_invitations"),
        "nav_reports": signed_in and can_reports(user, "view_archive"),
        # Pages of lower layers offer a report (projects' export page) by this address.
        "nav_reports_url": reverse("reports:archive"),
        "nav_admin": kind == Audience.ITD,
        "nav_current": current_sections(request.path),
        "unread_notifications": unread_count(user) if signed_in else 0,
        "debug": settings.DEBUG,
        # Session limits, named on the account pages (access.middleware).
        "session_idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        "session_absolute_hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600,
    }
