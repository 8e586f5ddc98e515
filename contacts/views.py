"""Contacts: authorities, the people directory and the representation matrix."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import permissions, selectors
from .forms import PeopleFilterForm
from .models import Authority

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
