"""The meetings of a space, one meeting (with the files of its agenda and minutes), my meetings,
the .ics files and the calendar feed. Files leave only through `file_download`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import posted
from core.object_storage import upload_download
from core.uploads import refused_uploads
from spaces.models import Space

from . import ics, selectors, services
from .forms import AnswerForm, ConfirmForm, MeetingForm, MinutesForm
from .models import Meeting, MeetingFile, file_storage
from .permissions import MEETING, MEETING_FILE, may_list, may_schedule

PAST_PER_PAGE = 20
# The session key of the new feed token, shown once on the next page.
FRESH_TOKEN_KEY = "meetings_feed_token"  # noqa: S105 - a key, not a secret


def _meeting(request: HttpRequest, pk: int, action: str = "view") -> Meeting:
    """Invisible: 404; visible, but the action is not the person's: 403."""
    meeting = get_object_or_404(selectors.visible(request.user), pk=pk)
    if action != "view" and not MEETING.can(request.user, action, meeting):
        raise PermissionDenied
    return meeting


def _space(request: HttpRequest, slug: str, check: Any) -> Space:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    if not check(request.user, space):
        raise PermissionDenied
    return space


@login_required
@require_safe
def space_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space(request, slug, may_list)
    upcoming, past = selectors.space_meetings(request.user, space)
    page = Paginator(past, PAST_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "space": space,
        "upcoming": list(upcoming),
        "page": page,
        "may_schedule": may_schedule(request.user, space),
    }
    return render(request, "meetings/meeting_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: SignedInRequest, slug: str) -> HttpResponse:
    space = _space(request, slug, may_schedule)
    form = MeetingForm(
        posted(request), request.FILES or None, space=space, refused=refused_uploads(request)
    )
    return handle_form(
        request,
        form,
        save=lambda _data: services.meeting_create(
            actor=request.user, space=space, **form.values()
        ),
        success=lambda meeting: meeting.get_absolute_url(),
        message=_("Der Termin wurde angelegt; die Eingeladenen werden benachrichtigt."),
        template="meetings/meeting_form.html",
        context={"space": space, "meeting": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "manage")
    initial = {
        **{name: getattr(meeting, name) for name in services.AUDITED},
        "invitees": list(meeting.invitees.values_list("person_id", flat=True)),
    }
    form = MeetingForm(
        posted(request),
        request.FILES or None,
        space=meeting.space,
        initial=initial,
        refused=refused_uploads(request),
    )
    return handle_form(
        request,
        form,
        save=lambda _data: services.meeting_update(
            actor=request.user, meeting=meeting, **form.values()
        ),
        success=lambda changed: changed.get_absolute_url(),
        message=_("Der Termin wurde gespeichert."),
        template="meetings/meeting_form.html",
        context={
            "space": meeting.space,
            "meeting": meeting,
            "files": selectors.meeting_files(meeting),
        },
    )


def _detail_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    invitees = selectors.meeting_invitees(meeting)
    mine = next((i for i in invitees if i.person.user_id == request.user.pk), None)
    may_manage = MEETING.can(request.user, "manage", meeting)
    return {
        "meeting": meeting,
        "space": meeting.space,
        "invitees": invitees,
        "counts": selectors.answer_counts(invitees),
        "mine": mine,
        "may_answer": mine is not None and not meeting.is_cancelled,
        "may_manage": may_manage,
        # Agenda files are changed with the agenda: not after the meeting was cancelled.
        "may_manage_agenda": may_manage and not meeting.is_cancelled,
        "files": selectors.meeting_files(meeting),
    }


@login_required
@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    context = {**_detail_context(request, meeting), "form": AnswerForm()}
    return render(request, "meetings/meeting_detail.html", context)


@login_required
@require_POST
def meeting_answer(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return handle_form(
        request,
        AnswerForm(request.POST),
        save=lambda data: services.invitee_answer(
            actor=request.user, meeting=meeting, answer=data["answer"]
        ),
        success=lambda _invitee: meeting.get_absolute_url(),
        message=_("Ihre Antwort wurde gespeichert."),
        template="meetings/meeting_detail.html",
        context=_detail_context(request, meeting),
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "manage")
    return handle_form(
        request,
        ConfirmForm(posted(request)),
        save=lambda _data: services.meeting_cancel(actor=request.user, meeting=meeting),
        success=lambda cancelled: cancelled.get_absolute_url(),
        message=_("Der Termin wurde abgesagt; die Eingeladenen werden benachrichtigt."),
        template="meetings/meeting_cancel.html",
        context={"meeting": meeting, "space": meeting.space},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "manage")
    form = MinutesForm(
        posted(request),
        request.FILES or None,
        initial={"minutes": meeting.minutes},
        refused=refused_uploads(request),
    )
    return handle_form(
        request,
        form,
        save=lambda data: services.meeting_minutes_set(
            actor=request.user,
            meeting=meeting,
            minutes=data["minutes"],
            minutes_files=data["minutes_files"],
        ),
        success=lambda saved: saved.get_absolute_url(),
        message=_("Das Protokoll wurde gespeichert."),
        template="meetings/meeting_minutes.html",
        context={
            "meeting": meeting,
            "space": meeting.space,
            "files": selectors.meeting_files(meeting),
        },
    )


@login_required
@require_safe
def file_download(request: HttpRequest, pk: int, file: int) -> HttpResponseBase:
    """Only for those who see the meeting; everyone else gets 404."""
    row = selectors.file_for_download(request.user, pk, file)
    if row is None or not row.file:
        raise Http404
    return upload_download(
        request,
        file_storage(),
        row.file.name,
        filename=row.original_name,
        content_type=row.content_type,
    )


@login_required
@require_http_methods(["GET", "POST"])
def file_remove(request: SignedInRequest, pk: int, file: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    row = get_object_or_404(MeetingFile.objects.filter(meeting=meeting), pk=file)
    if not MEETING_FILE.can(request.user, "manage", row):
        raise PermissionDenied
    return handle_form(
        request,
        ConfirmForm(posted(request)),
        save=lambda _data: services.meeting_file_remove(actor=request.user, file=row),
        success=lambda changed: changed.get_absolute_url(),
        message=_("Die Datei „%(name)s“ wurde entfernt.") % {"name": row.original_name},
        template="meetings/file_remove.html",
        context={"meeting": meeting, "space": meeting.space, "file": row},
    )


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Only the person's own calendar: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(selectors.with_agenda_files(selectors.visible(request.user)), pk=pk)
    return _calendar_response(ics.calendar([meeting]), f"termin-{meeting.pk}.ics")


@login_required
@require_safe
def my_meetings(request: HttpRequest) -> HttpResponse:
    meetings = list(selectors.my_upcoming(request.user))
    return render(request, "meetings/my_meetings.html", {"meetings": meetings})


# --- The personal calendar feed ---------------------------------------------------------------


@login_required
@require_safe
def feed_page(request: HttpRequest) -> HttpResponse:
    """How to subscribe; the new secret URL, once, right after it was made."""
    token = request.session.pop(FRESH_TOKEN_KEY, None)
    url = request.build_absolute_uri(reverse("meetings:feed", args=[token])) if token else ""
    context = {
        "state": selectors.feed_state(request.user),
        "feed_url": url,
        "webcal_url": url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
    }
    response = render(request, "meetings/feed_page.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _show_once(request: HttpRequest, token: str) -> str:
    request.session[FRESH_TOKEN_KEY] = token
    return reverse("meetings:feed_page")


@login_required
@require_POST
def feed_renew(request: SignedInRequest) -> HttpResponse:
    return handle_form(
        request,
        ConfirmForm(request.POST),
        save=lambda _data: services.feed_renew(actor=request.user, request=request),
        success=lambda token: _show_once(request, token),
        message=_("Ihre neue Kalender-Adresse ist erstellt. Eine frühere gilt nicht mehr."),
        template="meetings/feed_page.html",
        context={"state": selectors.feed_state(request.user)},
    )


@login_required
@require_POST
def feed_revoke(request: SignedInRequest) -> HttpResponse:
    return handle_form(
        request,
        ConfirmForm(request.POST),
        save=lambda _data: services.feed_revoke(actor=request.user, request=request),
        success=lambda _revoked: reverse("meetings:feed_page"),
        message=_("Das Kalender-Abonnement ist beendet; die Adresse gilt nicht mehr."),
        template="meetings/feed_page.html",
        context={"state": selectors.feed_state(request.user)},
    )


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: the token is the credential (no session); unknown or revoked: 404."""
    subscription = selectors.feed_by_token(token)
    if subscription is None:
        raise Http404
    meetings = selectors.feed_meetings(subscription.user)
    name = _("Meine Termine – Digitale Räume Hamburg")
    return _calendar_response(ics.calendar(meetings, name=name), "termine.ics")
