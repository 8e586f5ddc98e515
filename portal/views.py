"""The landing page and the personal dashboard: the top of the house, they show a bit of all."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.audiences import SignedInRequest

from . import selectors


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", selectors.landing(request.user))


@login_required
@require_safe
def dashboard(request: SignedInRequest) -> HttpResponse:
    dash = selectors.dashboard(request.user)
    return render(request, "portal/dashboard.html", {"dash": dash, "cockpit": dash.cockpit})
