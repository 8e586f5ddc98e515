"""The landing page and the personal dashboard: the top of the house, they show a bit of all."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.audiences import SignedInRequest

from . import help, selectors


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", selectors.landing(request.user))


@login_required
@require_safe
def dashboard(request: SignedInRequest) -> HttpResponse:
    dash = selectors.dashboard(request.user)
    return render(request, "portal/dashboard.html", {"dash": dash, "cockpit": dash.cockpit})


@require_safe
def help_index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/help_index.html", {"areas": help.AREAS})


@require_safe
def help_area(request: HttpRequest, area: str) -> HttpResponse:
    found = help.area(area)
    if found is None:
        raise Http404
    terms = [help.TERMS[t] for t in found.terms]
    return render(request, "portal/help_area.html", {"area": found, "terms": terms})


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/glossary.html", {"terms": help.GLOSSARY})
