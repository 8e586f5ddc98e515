"""Spaces: the seven Digital Spaces, their members, and who represents whom (the people
directory, an authority's page, the representation matrix)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_safe

from contacts.models import Authority, Person
from contacts.permissions import GLOBAL as CONTACTS
from contacts.selectors import authorities_for_list, contact_cards, sees_affiliations
from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import posted
from core.gone import remember_gone, see_other

from . import home, permissions, selectors, services
from .forms import (
    MembershipAddForm,
    MembershipEndForm,
    MembershipRoleForm,
    PeopleFilterForm,
    SpaceMembersFilterForm,
)
from .models import Membership, Space
from .permissions import MEMBERSHIP, SPACE

PEOPLE_PER_PAGE = 50


@require_safe
def space_list(request: HttpRequest) -> HttpResponse:
    spaces = selectors.spaces_with_counts(request.user)
    return render(request, "spaces/space_list.html", {"spaces": spaces})


@require_safe
def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    search = SpaceMembersFilterForm(request.GET)
    search.is_valid()  # the group is checked against the page's groups below
    detail = selectors.space_detail(
        request.user,
        space,
        q=search.cleaned_data.get("q", ""),
        group=request.GET.get("group", "")[:20],
        page=request.GET.get("page"),
    )
    form = SpaceMembersFilterForm(request.GET or None, groups=detail.represented)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "spaces/space_detail.html",
        {
            "detail": detail,
            "home": home.home(request.user, space),
            "manage_links": home.manage_links(space) if detail.can_manage else [],
            "form": form,
            "page": detail.page,
            "query": query.urlencode(),
        },
    )


def _managed_space(request: HttpRequest, slug: str) -> Space:
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    if not SPACE.can(request.user, "manage_members", space):
        raise PermissionDenied
    return space


def _changeable_membership(request: HttpRequest, space: Space, pk: int) -> Membership:
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("person__user", "space"),
        pk=pk,
        space=space,
    )
    if not MEMBERSHIP.can(request.user, "change", membership):
        raise PermissionDenied
    return membership


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: SignedInRequest, slug: str) -> HttpResponse:
    space = _managed_space(request, slug)
    form = MembershipAddForm(
        posted(request),
        roles=permissions.assignable_roles(request.user, space),
        person_query=request.GET.get("q", ""),
    )
    return handle_form(
        request,
        form,
        save=lambda data: services.membership_create(actor=request.user, space=space, **data),
        success=lambda membership: space.get_absolute_url(),
        message=lambda membership: (
            _("%(person)s ist jetzt %(role)s im Raum %(space)s.")
            % {"person": membership.person, "role": membership.get_role_display(), "space": space}
        ),
        template="spaces/membership_add.html",
        context={"space": space, "invite_url": home.manage_link_url(space, "invite")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_role(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    space = _managed_space(request, slug)
    membership = _changeable_membership(request, space, pk)
    form = MembershipRoleForm(
        posted(request),
        roles=permissions.assignable_roles(request.user, space),
        membership=membership,
        initial={"role": membership.role, "until": membership.until},
    )
    return handle_form(
        request,
        form,
        save=lambda data: services.membership_change_role(
            actor=request.user, membership=membership, **data
        ),
        success=lambda _membership: space.get_absolute_url(),
        message=_("Die Rolle wurde geändert."),
        template="spaces/membership_role.html",
        context={"space": space, "membership": membership},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_end(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST ends the membership today."""
    space = _managed_space(request, slug)
    membership = _changeable_membership(request, space, pk)
    if membership.ended_at is not None:
        raise Http404  # already ended (for the one who ended it: the 410 page, core.gone)
    return handle_form(
        request,
        MembershipEndForm(posted(request)),
        save=lambda _data: services.membership_end(actor=request.user, membership=membership),
        success=lambda _membership: _ended(request, space, membership),
        message=_("Die Mitgliedschaft von %(person)s wurde beendet.")
        % {"person": membership.person},
        template="spaces/membership_end.html",
        context={"space": space, "membership": membership},
    )


def _ended(request: HttpRequest, space: Space, membership: Membership) -> HttpResponse:
    """After ending a membership, Back finds a friendly 410 page with the way back to the space
    (core.gone), not a 404; 303 to the space."""
    onward = space.get_absolute_url()
    remember_gone(
        request,
        reverse("spaces:member_end", kwargs={"slug": space.slug, "pk": membership.pk}),
        title=str(membership.person),
        onward=onward,
        onward_label=gettext_noop("Zurück zum Raum"),
    )
    return see_other(onward)


# --- Who represents whom ----------------------------------------------------------------------


@login_required
@require_safe
def people_list(request: SignedInRequest) -> HttpResponse:
    if not CONTACTS.can(request.user, "view_directory"):
        raise PermissionDenied
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    people = selectors.people_for_directory(request.user, **filters)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "spaces/person_list.html",
        {
            "form": form,
            "page": page,
            "cards": contact_cards(request.user, page.object_list),
            "query": query.urlencode(),
        },
    )


@login_required
@require_safe
def person_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """A person's page: only people the viewer may see (404 otherwise, as if not there)."""
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("user", "authority", "organisation"),
        pk=pk,
    )
    return render(
        request, "spaces/person_detail.html", {"page": selectors.person_page(request.user, person)}
    )


@login_required
@require_safe
def authority_list(request: SignedInRequest) -> HttpResponse:
    """Every authority with its officers; each links to its page of memberships."""
    if not CONTACTS.can(request.user, "view_authorities"):
        raise PermissionDenied
    return render(
        request,
        "spaces/authority_list.html",
        {
            "authorities": authorities_for_list(),
            # Only staff see the officers here, and staff open every active person's page
            # (contacts.permissions.PERSON "view"), so every name is a link.
            "show_people": CONTACTS.can(request.user, "view_directory")
            and sees_affiliations(request.user),
        },
    )


@login_required
@require_safe
def authority_detail(request: SignedInRequest, code: str) -> HttpResponse:
    authority = get_object_or_404(
        Authority.objects.visible_to(request.user).select_related("parent"), code=code
    )
    return render(
        request,
        "spaces/authority_detail.html",
        {"detail": selectors.authority_detail(request.user, authority)},
    )


@login_required
@require_safe
def matrix(request: SignedInRequest) -> HttpResponse:
    if not permissions.can(request.user, "view_matrix"):
        raise PermissionDenied
    spaces, rows = selectors.representation_matrix()
    return render(request, "spaces/matrix.html", {"spaces": spaces, "rows": rows})
