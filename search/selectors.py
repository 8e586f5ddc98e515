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
# Counted up to here and called "more than" beyond: an exact count of tens of thousands of
# matches costs a scan of all of them and helps nobody (the search should be narrowed instead).
COUNT_CAP = 1000


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
    capped: bool = False  # more than COUNT_CAP matches


@dataclass
class Results:
    terms: Terms
    searched: bool = False
    only_stop_words: bool = False
    groups: list[Group] = field(default_factory=list)
    total: int = 0
    total_capped: bool = False
    page: Page[Any] | None = None
    cap: int = COUNT_CAP


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


def _count(found: Any) -> int:
    """How many match, up to COUNT_CAP + 1 (one query that stops there)."""
    return int(found.order_by().values("pk")[: COUNT_CAP + 1].count())


def _rows(provider: Provider, found: Any, terms: Terms, first: int, n: int) -> list[Any]:
    """The rows of one page, best first: their ids first (ranked, without joins), then those
    rows shaped and highlighted (two queries, however many match)."""
    ids = list(found.values_list("pk", flat=True)[first : first + n])
    shaped = provider.shape(found.model._default_manager.filter(pk__in=ids), terms)
    by_id = {row.pk: row for row in shaped}
    return [by_id[pk] for pk in ids if pk in by_id]


def search(
    viewer: Viewer, *, q: str, kind: str = "", space: Space | None = None, page: Any = 1
) -> Results:
    """Every kind (the best few of each, with counts), or one kind page by page. A fixed
    number of queries: one for the stop words, then per kind a count, the page's ids and the
    page's rows."""
    terms = Terms.of(q)
    results = Results(terms=terms, cap=COUNT_CAP)
    if not q.strip():
        return results
    results.searched = True
    if not has_lexemes(terms):
        results.only_stop_words = True
        return results
    chosen = [PROVIDERS[kind]] if kind else list(PROVIDERS.values())
    for provider in chosen:
        found = _ordered(provider, viewer, terms, space)
        count = _count(found)
        if kind:
            counted: Any = range(min(count, COUNT_CAP))  # the paginator needs only the length
            paged: Page[Any] = Paginator(counted, PER_PAGE).get_page(page)
            first = (paged.number - 1) * PER_PAGE
            shown = min(PER_PAGE, max(0, min(count, COUNT_CAP) - first))
            hits = _hits(provider, _rows(provider, found, terms, first, shown), terms)
            paged.object_list = hits
            results.page = paged
        else:
            hits = _hits(provider, _rows(provider, found, terms, 0, GROUP_HITS), terms)
        query = {"q": q, "kind": provider.key, **({"space": space.slug} if space else {})}
        capped = count > COUNT_CAP
        results.groups.append(
            Group(
                provider.key,
                provider.label,
                min(count, COUNT_CAP),
                hits,
                more_url="?" + urlencode(query),
                capped=capped,
            )
        )
        results.total += min(count, COUNT_CAP)
        results.total_capped |= capped
    return results
