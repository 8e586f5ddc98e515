"""The notification centre, the preferences, unsubscribing, and ITD's list of failed mails."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import posted

from . import selectors, services
from .forms import ConfirmForm, NotificationFilterForm, PreferencesForm
from .models import Digest, MailStatus, Notification
from .permissions import can

PER_PAGE = 30


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    form = NotificationFilterForm(request.GET or None, user=request.user)
    notices = selectors.centre(request.user, **form.filters())
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/notification_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


def _own(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target.startswith("/notifications/") and allowed else "notifications:list"


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_read(actor=request.user, notification=_own(request, pk))
    return redirect(_back(request))


@login_required
@require_POST
def notifications_read_all(request: SignedInRequest) -> HttpResponse:
    """Mark read everything the current filter shows (the filter travels in the form)."""
    form = NotificationFilterForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "notifications/notification_list.html",
            {"form": form, "page": Paginator([], PER_PAGE).get_page(1), "query": ""},
            status=400,
        )
    notices = selectors.centre(request.user, **form.filters())
    services.mark_all_read(actor=request.user, notifications=notices)
    return redirect(_back(request))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: SignedInRequest) -> HttpResponse:
    rows = selectors.preferences(request.user)
    form = PreferencesForm(posted(request), initial={r.kind: r.channel for r in rows})
    return handle_form(
        request,
        form,
        save=lambda data: services.preferences_set(
            actor=request.user, user=request.user, channels=data
        ),
        success=lambda _result: reverse("notifications:preferences"),
        message=_("Ihre Einstellungen wurden gespeichert."),
        template="notifications/preferences.html",
        context={"rows": rows},
    )


@csrf_exempt  # the signed token authenticates; mail programs post without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    return handle_form(
        request,
        ConfirmForm(posted(request)),
        save=lambda _data: services.unsubscribe(token=token),
        success=lambda _result: reverse("notifications:unsubscribed"),
        message=_("Diese E-Mails sind abbestellt; Sie finden die Hinweise weiter im Portal."),
        template="notifications/unsubscribe.html",
        context={"token": token},
    )


@require_safe
def unsubscribed(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/unsubscribed.html")


@login_required
@require_safe
def failed_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "view_failed"):
        raise PermissionDenied
    notices, digests = selectors.failed()
    total = sum(selectors.failed_counts())
    context = {"notices": notices, "digests": digests, "total": total}
    return render(request, "notifications/failed_list.html", context)


@login_required
@require_POST
def failed_retry_all(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "view_failed"):
        raise PermissionDenied
    count = services.retry_all_failed(actor=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s E-Mail wird erneut gesendet.",
            "%(count)s E-Mails werden erneut gesendet.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:failed")


@login_required
@require_http_methods(["GET", "POST"])
def failed_retry(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if not can(request.user, "view_failed"):
        raise PermissionDenied
    if kind not in ("notification", "digest"):
        raise Http404
    model = Digest if kind == "digest" else Notification
    target = get_object_or_404(model.objects.filter(mail_status=MailStatus.FAILED), pk=pk)
    target_kwargs = {"digest" if kind == "digest" else "notification": target}
    return handle_form(
        request,
        ConfirmForm(posted(request)),
        save=lambda _data: services.retry(actor=request.user, **target_kwargs),
        success=lambda _result: reverse("notifications:failed"),
        message=_("Die E-Mail wird erneut gesendet."),
        template="notifications/failed_retry.html",
        context={"target": target},
    )
