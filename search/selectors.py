"""The search page: what one query finds, per kind, as the viewer may see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from core.audiences import Viewer
from spaces.models import Space

from .engine import Terms, has_lexemes, marked
from .providers import PROVIDERS, Provider

GROUP_HITS = 5  # per kind, on the overview of all kinds
PER_PAGE = 20  # when one kind is chosen


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: Promise
    title: SafeString
    text: SafeString
    url: str
    meta: str


@dataclass
class Group:
    key: str
    label: Promise
    count: int
    hits: list[Hit]
    more_url: str = ""


@dataclass
class Results:
    terms: Terms
    searched: bool = False
    only_stop_words: bool = False
    groups: list[Group] = field(default_factory=list)
    total: int = 0
    page: Page[Any] | None = None


def _hits(provider: Provider, rows: Any, terms: Terms) -> list[Hit]:
    return [
        Hit(
            kind=provider.key,
            kind_label=provider.label,
            title=marked(getattr(row, "hl_title", "") or str(row), terms),
            text=marked(getattr(row, "hl_text", "") or "", terms),
            url=provider.url(row),
            meta=provider.meta(row),
        )
        for row in rows
    ]


def _ordered(provider: Provider, viewer: Viewer, terms: Terms, space: Space | None) -> Any:
    return provider.find(viewer, terms, space).order_by("-rank", "pk")


def search(
    viewer: Viewer, *, q: str, kind: str = "", space: Space | None = None, page: Any = 1
) -> Results:
    """Every kind (the best few of each, with counts), or one kind page by page. A fixed
    number of queries: one for the stop words, then a count and a page per kind."""
    terms = Terms.of(q)
    results = Results(terms=terms)
    if not q.strip():
        return results
    results.searched = True
    if not has_lexemes(terms):
        results.only_stop_words = True
        return results
    chosen = [PROVIDERS[kind]] if kind else list(PROVIDERS.values())
    for provider in chosen:
        found = _ordered(provider, viewer, terms, space)
        if kind:
            paged = Paginator(found, PER_PAGE).get_page(page)
            first = (paged.number - 1) * PER_PAGE
            hits = _hits(provider, provider.shape(found, terms)[first : first + PER_PAGE], terms)
            paged.object_list = hits
            results.page = paged
            count = paged.paginator.count
        else:
            count = found.count()
            hits = _hits(provider, provider.shape(found, terms)[:GROUP_HITS], terms)
        query = {"q": q, "kind": provider.key, **({"space": space.slug} if space else {})}
        results.groups.append(
            Group(provider.key, provider.label, count, hits, more_url="?" + urlencode(query))
        )
        results.total += count
    return results
