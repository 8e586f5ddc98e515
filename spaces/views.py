"""Spaces: the seven Digital Spaces and the management of their members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors, posted

from . import permissions, selectors, services
from .forms import MembershipAddForm, MembershipRoleForm
from .models import Membership, Space


def space_list(request: HttpRequest) -> HttpResponse:
    spaces = selectors.spaces_with_counts(request.user)
    return render(request, "spaces/space_list.html", {"spaces": spaces})


def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    return render(
        request, "spaces/space_detail.html", {"detail": selectors.space_detail(request.user, space)}
    )


def _managed_space(request: HttpRequest, slug: str) -> Space:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    if not permissions.can_manage_members(request.user, space):
        raise PermissionDenied
    return space


def _changeable_membership(request: HttpRequest, space: Space, pk: int) -> Membership:
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("person__user", "space"),
        pk=pk,
        space=space,
    )
    if not permissions.can_change_membership(request.user, membership):
        raise PermissionDenied
    return membership


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    space = _managed_space(request, slug)
    roles = permissions.assignable_roles(request.user, space)
    form = MembershipAddForm(posted(request), roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_create(
                actor=request.user,
                space=space,
                person=form.cleaned_data["person"],
                role=form.cleaned_data["role"],
                authority=form.cleaned_data["authority"],
                organisation=form.cleaned_data["organisation"],
                since=form.cleaned_data["since"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(person)s ist jetzt %(role)s im Raum %(space)s.")
                % {
                    "person": membership.person,
                    "role": membership.get_role_display(),
                    "space": space,
                },
            )
            return redirect(space)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "spaces/membership_add.html", {"space": space, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    space = _managed_space(request, slug)
    membership = _changeable_membership(request, space, pk)
    roles = permissions.assignable_roles(request.user, space)
    form = MembershipRoleForm(
        posted(request),
        roles=roles,
        membership=membership,
        initial={"role": membership.role, "until": membership.until},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Die Rolle wurde geändert."))
            return redirect(space)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "spaces/membership_role.html",
        {"space": space, "membership": membership, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST ends the membership today."""
    space = _managed_space(request, slug)
    membership = _changeable_membership(request, space, pk)
    if request.method == "POST":
        services.membership_end(actor=request.user, membership=membership)
        messages.success(
            request,
            _("Die Mitgliedschaft von %(person)s wurde beendet.") % {"person": membership.person},
        )
        return redirect(space)
    return render(request, "spaces/membership_end.html", {"space": space, "membership": membership})
