"""After a destructive action, Back leads somewhere friendly: the pages of what this person has
just deleted answer 410 Gone with a link onwards, not 404.

`remember_gone(request, prefix, ...)` notes, in the person's own session, that every address
under `prefix` is gone (only they learn that it existed); `GoneMiddleware` turns a 404 under such
an address into the 410 page. Deletions redirect with `see_other` (303), so the browser does not
post the confirmation again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

SESSION_KEY = "portal_gone"
REMEMBERED = 20  # the last deletions are enough for Back


def see_other(url: str) -> HttpResponseRedirect:
    """A redirect after a POST that must be answered by a GET (303 See Other)."""
    return HttpResponseRedirect(url, status=303)


def remember_gone(
    request: HttpRequest, prefix: str, *, title: str, onward: str, onward_label: str
) -> None:
    """Addresses under `prefix` are gone; `onward` is where to go instead. `onward_label` is a
    German msgid (mark it with gettext_noop); it is translated when the page is shown."""
    entries = [e for e in request.session.get(SESSION_KEY, []) if e[0] != prefix]
    entries.append([prefix, title, onward, onward_label])
    request.session[SESSION_KEY] = entries[-REMEMBERED:]


def gone_entry(request: HttpRequest) -> list[str] | None:
    """The longest remembered prefix of this address (a milestone inside a deleted project)."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return None
    matches = [e for e in session[SESSION_KEY] if request.path.startswith(e[0])]
    return max(matches, key=lambda e: len(e[0])) if matches else None


class GoneMiddleware:
    """A 404 under an address this session deleted becomes the friendly 410 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        entry = gone_entry(request)
        if entry is None:
            return response
        _prefix, title, onward, onward_label = entry
        return render(
            request,
            "410.html",
            {"title": title, "onward": onward, "onward_label": _(onward_label)},
            status=410,
        )


def deleted(
    request: HttpRequest, prefix: str, *, title: str, onward: str, onward_label: str
) -> HttpResponse:
    """After a delete: its pages answer 410 with a link onwards (Back); 303 to `onward`."""
    remember_gone(request, prefix, title=title, onward=onward, onward_label=onward_label)
    return see_other(onward)
