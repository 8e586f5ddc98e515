"""Contacts: authorities, the people directory and the representation matrix."""

from __future__ import annotations

import json

from allauth.account.utils import perform_login
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors, posted
from core.models import SecurityEvent
from core.services import security_log
from spaces.models import Space

from . import permissions, selectors, services
from .forms import (
    AccountDeleteForm,
    InvitationAcceptExistingForm,
    InvitationAcceptNewForm,
    InvitationAcceptSignedInForm,
    InvitationExtendForm,
    InvitationForm,
    PeopleFilterForm,
    ProfileForm,
)
from .models import Authority, Invitation
from .security import account_security_summary

PEOPLE_PER_PAGE = 50


@login_required
def authority_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_authorities(request.user):
        raise PermissionDenied
    authorities = selectors.authorities_for_list()
    show_people = permissions.is_staff_of_administration(request.user)
    return render(
        request,
        "contacts/authority_list.html",
        {"authorities": authorities, "show_people": show_people},
    )


@login_required
def authority_detail(request: HttpRequest, code: str) -> HttpResponse:
    if not permissions.can_view_authorities(request.user):
        raise PermissionDenied
    authority = get_object_or_404(Authority.objects.select_related("parent"), code=code)
    return render(
        request,
        "contacts/authority_detail.html",
        {"detail": selectors.authority_detail(request.user, authority)},
    )


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_directory(request.user):
        raise PermissionDenied
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    people = selectors.people_for_directory(
        request.user,
        q=filters.get("q", ""),
        authority=filters.get("authority"),
        space=filters.get("space"),
    )
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contacts/person_list.html",
        {
            "form": form,
            "page": page,
            "cards": selectors.contact_cards(request.user, page.object_list),
            "query": query.urlencode(),
        },
    )


@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_matrix(request.user):
        raise PermissionDenied
    spaces, rows = selectors.representation_matrix()
    return render(request, "contacts/matrix.html", {"spaces": spaces, "rows": rows})


# --- Invitations ---------------------------------------------------------------------------

INVITATIONS_PER_PAGE = 50


def _invitation_page(request: HttpRequest, invitations, template: str, context: dict):
    invitations = invitations.select_related(
        "space",
        "project",
        "invited_by",
        "accepted_by",
        "membership",
        "project_guest",
        "organisation",
        "authority",
    )
    status = request.GET.get("status", "")
    now = timezone.now()
    if status == Invitation.Status.PENDING:
        invitations = invitations.pending()
    elif status == Invitation.Status.ACCEPTED:
        invitations = invitations.filter(accepted_at__isnull=False)
    elif status == Invitation.Status.REVOKED:
        invitations = invitations.filter(revoked_at__isnull=False)
    elif status == Invitation.Status.EXPIRED:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).filter(
            expires_at__lte=now
        )
    else:
        status = ""
    page = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"invitation": i, "can_manage": permissions.can_manage_invitation(request.user, i)}
        for i in page.object_list
    ]
    return render(
        request,
        template,
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
def invitation_list(request: HttpRequest) -> HttpResponse:
    """Every invitation of the portal: ITD only."""
    from projects.models import Project

    if not permissions.can_view_all_invitations(request.user):
        raise PermissionDenied
    chosen = request.GET.get("invite_project", "")
    if chosen:
        project = get_object_or_404(Project.objects.visible_to(request.user), slug=chosen[:80])
        return redirect("contacts:invitation_project_create", slug=project.slug)
    projects = Project.objects.visible_to(request.user).order_by("title").only("slug", "title")
    return _invitation_page(
        request,
        Invitation.objects.visible_to(request.user),
        "contacts/invitation_list.html",
        {"projects": projects},
    )


def _invitable_space(request: HttpRequest, slug: str) -> Space:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    if not permissions.can_invite(request.user, space):
        raise PermissionDenied
    return space


def _target_context(target) -> dict:
    if isinstance(target, Space):
        return {
            "target": target,
            "target_label": _("Digitaler Raum"),
            "create_url": reverse("contacts:invitation_create", args=[target.slug]),
            "list_url": reverse("contacts:invitation_space_list", args=[target.slug]),
        }
    return {
        "target": target,
        "target_label": _("Projekt"),
        "create_url": reverse("contacts:invitation_project_create", args=[target.slug]),
        "list_url": reverse("contacts:invitation_project_list", args=[target.slug]),
    }


def _invitable_project(request: HttpRequest, slug: str):
    from projects.models import Project

    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    if not permissions.can_invite_to_project(request.user, project):
        raise PermissionDenied
    return project


@login_required
def invitation_space_list(request: HttpRequest, slug: str) -> HttpResponse:
    space = _invitable_space(request, slug)
    return _invitation_page(
        request,
        Invitation.objects.visible_to(request.user).filter(space=space),
        "contacts/invitation_list.html",
        _target_context(space),
    )


@login_required
def invitation_project_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Guests invited to one project: ITD only."""
    project = _invitable_project(request, slug)
    return _invitation_page(
        request,
        Invitation.objects.visible_to(request.user).filter(project=project),
        "contacts/invitation_list.html",
        _target_context(project),
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    space = _invitable_space(request, slug)
    return _invitation_form(request, space, permissions.invitable_roles(request.user, space))


@login_required
@require_http_methods(["GET", "POST"])
def invitation_project_create(request: HttpRequest, slug: str) -> HttpResponse:
    project = _invitable_project(request, slug)
    return _invitation_form(request, project, ["guest"])


def _invitation_form(request: HttpRequest, target, roles: list[str]) -> HttpResponse:
    is_space = isinstance(target, Space)
    form = InvitationForm(posted(request), roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.invitation_create(
                actor=request.user,
                space=target if is_space else None,
                project=None if is_space else target,
                email=data["email"],
                role=data["role"],
                until=data["until"],
                message=data["message"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
                authority=data.get("authority"),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Die Einladung an %(email)s ist unterwegs.") % {"email": invitation.email},
            )
            return redirect(_target_context(target)["list_url"])
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "contacts/invitation_form.html",
        {**_target_context(target), "form": form},
        status=status,
    )


def _managed_invitation(request: HttpRequest, pk: int) -> Invitation:
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.user).select_related(
            "space", "project", "membership", "project_guest", "invited_by"
        ),
        pk=pk,
    )
    if not permissions.can_manage_invitation(request.user, invitation):
        raise PermissionDenied
    return invitation


def _back(invitation: Invitation):
    return redirect(_target_context(invitation.target)["list_url"])


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


def _invitation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET asks for confirmation; POST does it."""
    invitation = _managed_invitation(request, pk)
    service, title, done = INVITATION_ACTIONS[action]
    error = None
    if request.method == "POST":
        try:
            service(actor=request.user, invitation=invitation, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, str(done))
            return _back(invitation)
    return render(
        request,
        "contacts/invitation_action.html",
        {
            **_target_context(invitation.target),
            "invitation": invitation,
            "action": action,
            "title": title,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, "resend")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, "revoke")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_end_access(request: HttpRequest, pk: int) -> HttpResponse:
    return _invitation_action(request, pk, "end")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_extend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _managed_invitation(request, pk)
    form = InvitationExtendForm(posted(request), initial={"until": invitation.until})
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_extend(
                actor=request.user,
                invitation=invitation,
                until=form.cleaned_data["until"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Das Ende des Zugangs wurde geändert."))
            return _back(invitation)
    return render(
        request,
        "contacts/invitation_extend.html",
        {**_target_context(invitation.target), "invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


UNAVAILABLE_STATUS = {
    "unknown": 404,
    Invitation.Status.ACCEPTED: 410,
    Invitation.Status.EXPIRED: 410,
    Invitation.Status.REVOKED: 410,
}


def _unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "contacts/invitation_unavailable.html",
        {"reason": reason},
        status=UNAVAILABLE_STATUS.get(reason, 410),
    )


def _wrong_account(request: HttpRequest, invitation: Invitation | None = None) -> HttpResponse:
    return render(
        request, "contacts/invitation_wrong_account.html", {"invitation": invitation}, status=403
    )


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: set a password (or confirm the account), accept, get in."""
    limited = ratelimit.consume_or_429(
        request, action="invitation_accept", key=token[:100], limit_get=True
    )
    if limited is not None:
        security_log(
            kind=SecurityEvent.Kind.RATE_LIMITED, request=request, action="invitation_accept"
        )
        return limited
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return _unavailable(request, "unknown")
    if invitation.status != Invitation.Status.PENDING:
        return _unavailable(request, invitation.status)
    signed_in = request.user.is_authenticated
    if signed_in and request.user.email.lower() != invitation.email.lower():
        return _wrong_account(request, invitation)
    data = posted(request)
    if signed_in:
        form = InvitationAcceptSignedInForm(data)
        mode = "signed_in"
    elif services.invitation_account_exists(invitation):
        form = InvitationAcceptExistingForm(data)
        mode = "existing"
    else:
        form = InvitationAcceptNewForm(
            data,
            email=invitation.email,
            initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
        )
        mode = "new"
    if request.method == "POST" and form.is_valid():
        try:
            invitation, account = services.invitation_accept(
                token=token,
                user=request.user if signed_in else None,
                password=(
                    form.cleaned_data.get("password") or form.cleaned_data.get("password1", "")
                ),
                first_name=form.cleaned_data.get("first_name", ""),
                last_name=form.cleaned_data.get("last_name", ""),
                request=request,
            )
        except services.InvitationUnavailable as exc:
            return _unavailable(request, exc.status)
        except PermissionDenied:
            return _wrong_account(request, invitation)
        except ValidationError as error:
            if "password" in getattr(error, "error_dict", {}) and "password1" in form.fields:
                form.add_error("password1", error.error_dict["password"])
            else:
                add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Willkommen: %(target)s. Ihr Zugang gilt bis %(until)s.")
                % {"target": invitation.target, "until": invitation.until.strftime("%d.%m.%Y")},
            )
            if not signed_in:
                # allauth's sign-in: its stages (a second factor, if the account has one), a
                # fresh session key, the tracked session, the sign-in signals.
                return perform_login(
                    request, account, redirect_url=invitation.target.get_absolute_url()
                )
            return redirect(invitation.target)
    return render(
        request,
        "contacts/invitation_accept.html",
        {"invitation": invitation, "form": form, "mode": mode},
        status=400 if request.method == "POST" else 200,
    )


# --- Data protection -----------------------------------------------------------------------

MY_DATA_PREVIEW = 20


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """What the portal stores about me (Art. 15 DSGVO), with download and deletion."""
    data = selectors.personal_data(request.user)
    return render(request, "contacts/my_data.html", {"data": data, "preview": MY_DATA_PREVIEW})


@never_cache
@login_required
@require_http_methods(["GET"])
def my_data_export(request: HttpRequest) -> HttpResponse:
    data = selectors.personal_data(request.user)
    security_log(kind=SecurityEvent.Kind.DATA_EXPORT, user=request.user, request=request)
    data["exported_at"] = timezone.now().isoformat()
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="meine-daten-{stamp}.json"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_data_delete(request: HttpRequest) -> HttpResponse:
    """Confirm with the password; the account is anonymised, then signed out."""
    form = AccountDeleteForm(posted(request), user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        # Signed out first, so that nothing logged afterwards still names the person.
        logout(request)
        services.user_anonymise(actor=user, user=user, reason="request", request=request)
        messages.success(
            request,
            _(
                "Ihr Konto wurde gelöscht: Name und Kontaktdaten sind entfernt, "
                "Sie sind abgemeldet."
            ),
        )
        return redirect(reverse("home"))
    return render(
        request,
        "contacts/my_data_delete.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    """My function, phone and who may see my contact details (right to rectification)."""
    person = selectors.own_person(request.user)
    if person is None:
        raise Http404
    form = ProfileForm(
        posted(request),
        initial={name: getattr(person, name) for name in services.PROFILE_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update_profile(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Ihr Profil wurde gespeichert."))
            return redirect("my_profile")
    return render(
        request,
        "contacts/person_profile_form.html",
        {"form": form, "person": person},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """Konto & Sicherheit: password, e-mail, second factor, sessions, recent sign-ins."""
    summary = account_security_summary(request.user, session_key=request.session.session_key)
    return render(request, "contacts/account_security.html", {"summary": summary})
