"""Leichte Sprache and DGS: the two public pages, the video files, captions and transcripts,
the button that asks for a translation; ITD's pages to edit, sign off and upload."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import posted
from core.object_storage import STORE_ERRORS, store_unavailable
from core.ranges import ranged_file_response

from . import checker, selectors, services
from .forms import EasyTextForm, RequestForm, SignOffForm, VideoForm
from .models import EasyText, Item, Kind, Video
from .permissions import GLOBAL

logger = logging.getLogger(__name__)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _item(item: str) -> tuple[str, str]:
    if item not in Item.values:
        raise Http404
    return item, str(Item(item).label)


@require_safe
def easy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inclusion/easy.html",
        {
            "items": selectors.easy_items(request.user),
            "may_manage": GLOBAL.can(request.user, "manage"),
        },
    )


@require_safe
def sign(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inclusion/sign.html",
        {
            "items": selectors.sign_items(request.user),
            "may_manage": GLOBAL.can(request.user, "manage"),
            "feedback_email": settings.PORTAL_FEEDBACK_EMAIL,
        },
    )


def _video(request: HttpRequest, item: str) -> Video:
    return get_object_or_404(Video.objects.visible_to(request.user), item=item)


@require_safe
def video_file(request: HttpRequest, item: str) -> HttpResponseBase:
    """The video, whole or the part the player asks for (byte ranges: seeking, and Safari)."""
    video = _video(request, item)
    extension = "mp4" if video.content_type == "video/mp4" else "webm"
    try:
        handle = storages[services.STORAGE].open(video.file_name, "rb")
        return ranged_file_response(
            request,
            handle,
            size=handle.size,
            content_type=video.content_type,
            as_attachment="download" in request.GET,
            filename=f"dgs-{video.item}.{extension}",
        )
    except FileNotFoundError as exc:
        raise Http404 from exc
    except STORE_ERRORS:
        logger.warning("inclusion: the store cannot serve %s", video.file_name, exc_info=True)
        return store_unavailable(request)


@require_safe
def captions(request: HttpRequest, item: str) -> HttpResponse:
    video = _video(request, item)
    return HttpResponse(video.captions, content_type="text/vtt; charset=utf-8")


@require_safe
def transcript(request: HttpRequest, item: str) -> HttpResponse:
    video = _video(request, item)
    response = HttpResponse(video.transcript, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dgs-{video.item}-transkript.txt"'
    return response


@require_POST
def request_translation(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST)
    if not form.is_valid():
        return render(request, "inclusion/request_invalid.html", {"form": form}, status=400)
    path = form.cleaned_data["path"]
    try:
        counted = services.translation_request(
            path=path,
            kind=form.cleaned_data["kind"],
            session=request.session,
            client=request.META.get("REMOTE_ADDR") or "",
        )
    except ValidationError as error:
        return render(
            request, "inclusion/request_invalid.html", {"errors": error.messages}, status=400
        )
    kind = str(Kind(form.cleaned_data["kind"]).label)
    if counted:
        messages.success(
            request,
            _(
                "Danke! Ihr Wunsch nach einer Übersetzung dieser Seite in %(kind)s ist gezählt. "
                "Das Amt für IT und Digitalisierung sieht, welche Seiten oft gewünscht werden."
            )
            % {"kind": kind},
        )
    else:
        messages.info(request, _("Ihr Wunsch für diese Seite ist heute schon gezählt. Danke!"))
    safe = url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()})
    return redirect(path if safe else "home")


# --- ITD -----------------------------------------------------------------------------------------


@login_required
@require_safe
def manage(request: SignedInRequest) -> HttpResponse:
    _require(GLOBAL.can(request.user, "manage"))
    return render(
        request,
        "inclusion/manage.html",
        {
            "texts": selectors.manage_texts(request.user),
            "videos": selectors.sign_items(request.user),
            "requests": selectors.request_counts(request.user),
            "request_days": selectors.REQUEST_DAYS,
            "kinds": dict(Kind.choices),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def text_edit(request: SignedInRequest, item: str) -> HttpResponse:
    _require(GLOBAL.can(request.user, "manage"))
    item, label = _item(item)
    text = EasyText.objects.filter(item=item).first()
    initial = {"title": text.title, "body": text.body} if text else {"title": label}
    form = EasyTextForm(posted(request), initial=initial)

    def _message(saved: EasyText) -> str:
        if saved.findings:
            return _(
                "Der Text ist gespeichert und als „nicht geprüft“ markiert: das Prüfprogramm hat "
                "%(n)s Hinweise."
            ) % {"n": len(saved.findings)}
        return _("Der Text ist gespeichert; das Prüfprogramm hat nichts gefunden.")

    return handle_form(
        request,
        form,
        save=lambda data: services.easy_text_save(
            actor=request.user, item=item, title=data["title"], body=data["body"]
        ),
        success=lambda _saved: reverse("inclusion:text_edit", args=[item]),
        message=_message,
        template="inclusion/text_form.html",
        context={
            "item": item,
            "label": label,
            "text": text,
            "state": selectors.state_label(text) if text else "",
            "rules": checker.RULES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request: SignedInRequest, item: str) -> HttpResponse:
    _require(GLOBAL.can(request.user, "manage"))
    item, label = _item(item)
    text = get_object_or_404(EasyText.objects.visible_to(request.user), item=item)
    form = SignOffForm(posted(request))
    return handle_form(
        request,
        form,
        save=lambda data: services.easy_text_sign_off(
            actor=request.user,
            text=text,
            readers=data["readers"],
            checked_on=data["checked_on"],
        ),
        success=lambda _done: reverse("inclusion:manage"),
        message=_("Die Freigabe durch die Prüf-Lesenden ist eingetragen."),
        template="inclusion/sign_off_form.html",
        context={"item": item, "label": label, "text": text},
    )


@login_required
@require_http_methods(["GET", "POST"])
def video_upload(request: SignedInRequest, item: str) -> HttpResponse:
    _require(GLOBAL.can(request.user, "manage"))
    item, label = _item(item)
    form = VideoForm(posted(request), request.FILES or None)
    return handle_form(
        request,
        form,
        save=lambda data: services.video_upload(
            actor=request.user,
            item=item,
            video=data["video"],
            captions=data["captions"],
            transcript=data["transcript"],
        ),
        success=lambda _video: reverse("inclusion:manage"),
        message=_("Das Video ist geprüft und gespeichert."),
        template="inclusion/video_form.html",
        context={"item": item, "label": label, "video": Video.objects.filter(item=item).first()},
    )
