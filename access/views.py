"""Access by invitation: invitation lists and actions, the link from the e-mail, the account's
security page, and the refusal of a sign-in whose access has ended."""

from __future__ import annotations

from typing import Any

from allauth.account.utils import perform_login
from allauth.core import ratelimit
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from contacts.models import User
from core.audiences import Actor, SignedInRequest
from core.dates import format_date
from core.flows import handle_form
from core.forms import posted
from core.models import SecurityEvent
from core.services import security_log
from projects.models import Project
from spaces.models import Space

from . import selectors, services
from .forms import InvitationActionForm, InvitationExtendForm, InvitationForm, accept_form
from .models import Invitation, InvitationQuerySet
from .permissions import (
    INVITATION,
    can,
    can_invite,
    can_invite_to_project,
    has_active_access,
    invitable_roles,
    last_access_end,
)


def _target_context(target: Space | Project) -> dict[str, Any]:
    kind = "space" if isinstance(target, Space) else "project"
    return {
        "target": target,
        "target_label": _("Digitaler Raum") if kind == "space" else _("Projekt"),
        "create_url": reverse(f"access:invitation_{kind}_create", args=[target.slug]),
        "list_url": reverse(f"access:invitation_{kind}_list", args=[target.slug]),
    }


def _invitation_page(
    request: SignedInRequest, invitations: InvitationQuerySet, context: dict[str, Any]
) -> HttpResponse:
    page, rows, status = selectors.invitations_page(
        request.user,
        invitations,
        status=request.GET.get("status", ""),
        page=request.GET.get("page"),
    )
    return render(
        request,
        "access/invitation_list.html",
        {
            **context,
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": Invitation.Status.choices,
            "query": f"status={status}" if status else "",
        },
    )


@login_required
@require_safe
def invitation_list(request: SignedInRequest) -> HttpResponse:
    """Every invitation of the portal: ITD only."""
    if not can(request.user, "view_all_invitations"):
        raise PermissionDenied
    chosen = request.GET.get("invite_project", "")
    if chosen:
        project = get_object_or_404(Project.objects.visible_to(request.user), slug=chosen[:80])
        return redirect("access:invitation_project_create", slug=project.slug)
    projects = selectors.projects_to_invite_into(request.user, request.GET.get("project_q", ""))
    return _invitation_page(
        request, Invitation.objects.visible_to(request.user), {"projects": projects}
    )


def _invitable_space(request: SignedInRequest, slug: str) -> Space:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    if not can_invite(request.user, space):
        raise PermissionDenied
    return space


def _invitable_project(request: SignedInRequest, slug: str) -> Project:
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    if not can_invite_to_project(request.user, project):
        raise PermissionDenied
    return project


@login_required
@require_safe
def invitation_space_list(request: SignedInRequest, slug: str) -> HttpResponse:
    space = _invitable_space(request, slug)
    invitations = Invitation.objects.visible_to(request.user).filter(space=space)
    return _invitation_page(request, invitations, _target_context(space))


@login_required
@require_safe
def invitation_project_list(request: SignedInRequest, slug: str) -> HttpResponse:
    """Guests invited to one project: ITD only."""
    project = _invitable_project(request, slug)
    invitations = Invitation.objects.visible_to(request.user).filter(project=project)
    return _invitation_page(request, invitations, _target_context(project))


def _invitation_form(
    request: SignedInRequest, target: Space | Project, roles: list[str]
) -> HttpResponse:
    space = target if isinstance(target, Space) else None
    project = target if isinstance(target, Project) else None
    return handle_form(
        request,
        InvitationForm(posted(request), roles=roles),
        save=lambda data: services.invitation_create(
            actor=request.user, request=request, space=space, project=project, **data
        ),
        success=lambda _invitation: _target_context(target)["list_url"],
        message=lambda invitation: (
            _("Die Einladung an %(email)s ist unterwegs.") % {"email": invitation.email}
        ),
        template="access/invitation_form.html",
        context=_target_context(target),
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_space_create(request: SignedInRequest, slug: str) -> HttpResponse:
    space = _invitable_space(request, slug)
    return _invitation_form(request, space, invitable_roles(request.user, space))


@login_required
@require_http_methods(["GET", "POST"])
def invitation_project_create(request: SignedInRequest, slug: str) -> HttpResponse:
    return _invitation_form(request, _invitable_project(request, slug), ["guest"])


def _managed_invitation(request: SignedInRequest, pk: int) -> Invitation:
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.user)
        .with_status()
        .select_related("space", "project", "membership", "project_guest", "invited_by"),
        pk=pk,
    )
    if not INVITATION.can(request.user, "manage", invitation):
        raise PermissionDenied
    return invitation


INVITATION_ACTIONS = {
    "resend": (
        services.invitation_resend,
        gettext_lazy("Einladung erneut senden"),
        gettext_lazy(
            "Die Einladung wurde mit einem neuen Link erneut gesendet; "
            "der alte Link gilt nicht mehr."
        ),
    ),
    "revoke": (
        services.invitation_revoke,
        gettext_lazy("Einladung widerrufen"),
        gettext_lazy("Die Einladung wurde widerrufen; der Link gilt nicht mehr."),
    ),
    "end": (
        services.invitation_end_access,
        gettext_lazy("Zugang vorzeitig beenden"),
        gettext_lazy("Der Zugang wurde beendet."),
    ),
}


def _invitation_action(request: SignedInRequest, pk: int, action: str) -> HttpResponse:
    """GET asks for confirmation; POST does it."""
    invitation = _managed_invitation(request, pk)
    service, title, done = INVITATION_ACTIONS[action]
    context = _target_context(invitation.target)
    return handle_form(
        request,
        InvitationActionForm(posted(request)),
        save=lambda _data: service(actor=request.user, invitation=invitation, request=request),
        success=lambda _invitation: context["list_url"],
        message=done,
        template="access/invitation_action.html",
        context={**context, "invitation": invitation, "action": action, "title": title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_resend(request: SignedInRequest, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, "resend")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, "revoke")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_end_access(request: SignedInRequest, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, "end")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_extend(request: SignedInRequest, pk: int) -> HttpResponse:
    invitation = _managed_invitation(request, pk)
    context = _target_context(invitation.target)
    return handle_form(
        request,
        InvitationExtendForm(posted(request), initial={"until": invitation.until}),
        save=lambda data: services.invitation_extend(
            actor=request.user, invitation=invitation, until=data["until"], request=request
        ),
        success=lambda _invitation: context["list_url"],
        message=_("Das Ende des Zugangs wurde geändert."),
        template="access/invitation_extend.html",
        context={**context, "invitation": invitation},
    )


# --- The link from the e-mail -----------------------------------------------------------------

UNAVAILABLE_STATUS = {"unknown": 404}


def _refusal(request: HttpRequest, invitation: Invitation | None) -> HttpResponse | None:
    """The page instead of the form: unknown link (404), used up (410), wrong account (403)."""
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        reason = "unknown" if invitation is None else invitation.status
        return render(
            request,
            "access/invitation_unavailable.html",
            {"reason": reason},
            status=UNAVAILABLE_STATUS.get(reason, 410),
        )
    if request.user.is_authenticated and request.user.email.lower() != invitation.email.lower():
        return render(
            request, "access/invitation_wrong_account.html", {"invitation": invitation}, status=403
        )
    return None


def _welcome(request: HttpRequest, invitation: Invitation, account: User) -> str | HttpResponse:
    if request.user.is_authenticated:
        return invitation.target.get_absolute_url()
    # allauth's sign-in: its stages (a second factor, if the account has one), a fresh session
    # key, the tracked session, the sign-in signals.
    response: HttpResponse = perform_login(
        request, account, redirect_url=invitation.target.get_absolute_url()
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: set a password (or confirm the account), accept, get in."""
    limited: HttpResponse | None = ratelimit.consume_or_429(
        request, action="invitation_accept", key=token[:100], limit_get=True
    )
    if limited is not None:
        security_log(
            kind=SecurityEvent.Kind.RATE_LIMITED, request=request, action="invitation_accept"
        )
        return limited
    invitation = selectors.invitation_for_token(token)
    refusal = _refusal(request, invitation)
    if refusal is not None:
        return refusal
    assert invitation is not None  # an unknown link was refused above
    mode = selectors.accept_mode(request.user, invitation)
    form = accept_form(mode, posted(request), invitation)
    user = request.user if request.user.is_authenticated else None
    return handle_form(
        request,
        form,
        save=lambda _data: services.invitation_accept(
            token=token, user=user, request=request, **form.service_values()
        ),
        success=lambda result: _welcome(request, *result),
        message=lambda result: (
            _("Willkommen: %(target)s. Ihr Zugang gilt bis %(until)s.")
            % {"target": result[0].target, "until": format_date(result[0].until)}
        ),
        template="access/invitation_accept.html",
        context={"invitation": invitation, "mode": mode},
    )


# --- The account ------------------------------------------------------------------------------


@login_required
@require_safe
def account_security(request: SignedInRequest) -> HttpResponse:
    """Konto & Sicherheit: password, e-mail, second factor, sessions, recent sign-ins."""
    summary = selectors.account_security_summary(
        request.user, session_key=request.session.session_key
    )
    return render(request, "access/account_security.html", {"summary": summary})


def refuse_ended_access(request: HttpRequest, user: Actor) -> HttpResponse | None:
    """At sign-in (contacts.security.SIGN_IN_CHECKS): an account whose access has ended is
    refused with the reason and the attempt is logged as refused."""
    if has_active_access(user):
        return None
    ended_on = last_access_end(user)
    security_log(
        kind=SecurityEvent.Kind.LOGIN_REFUSED,
        user=user,
        request=request,
        reason="access_ended",
        ended_on=ended_on,
    )
    return render(request, "account/access_ended.html", {"ended_on": ended_on}, status=403)
