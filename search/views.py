"""The search across the portal: one box, results as the person may see them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors
from .engine import full_text
from .forms import SearchForm


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Open to everyone: visitors find the public spaces and projects, people what they may
    open. A bad search (too long, an unknown kind or space) answers 400 with the form."""
    form = SearchForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "search/search.html", {"form": form, "results": None}, status=400)
    data = form.cleaned_data if request.GET else {}
    results = selectors.search(
        request.user,
        q=data.get("q", ""),
        kind=data.get("kind", ""),
        space=data.get("space"),
        page=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "results": results, "query": query.urlencode()}
    return render(request, "search/search.html", {**context, "full_text": full_text()})
