"""Full-text search in German: PostgreSQL's text search (stemming, ranking, highlighting) over
the GIN indexes of core.migration_ops.postgresql_search_index; on SQLite (`make run`) a simple
match of every word instead, without stemming or ranking.

What a kind of result is, and who may see which rows, is the providers' business
(search.providers); this module only matches, ranks and highlights inside a queryset it is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.migration_ops import SEARCH_CONFIG

# Markers the database puts around a match; never typed (control characters are refused).
START, STOP = "\x02", "\x03"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12


def full_text() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Terms:
    """What was typed, as the search uses it."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Terms:
        return cls(text=text, words=tuple(WORD.findall(text))[:MAX_WORDS])

    def query(self) -> SearchQuery:
        # websearch syntax: "a phrase", -excluded, or; never a syntax error.
        return SearchQuery(self.text, config=SEARCH_CONFIG, search_type="websearch")


def has_lexemes(terms: Terms) -> bool:
    """Does the search contain a word that is not a stop word ("und", "der") nor punctuation?
    One query on PostgreSQL (the database's dictionary decides)."""
    if not terms.words:
        return False
    if not full_text():
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [SEARCH_CONFIG, terms.text]
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def match(
    queryset: QuerySet[Any],
    fields: Sequence[str],
    terms: Terms,
    *,
    also: Q | None = None,
    stored: str | None = None,
) -> QuerySet[Any]:
    """The rows of `queryset` that match, with a `rank` (higher first). `also`: rows that match
    another way (an authority's code), ranked first. `stored`: the column where PostgreSQL
    keeps the vector of `fields` (core.migration_ops.postgresql_stored_search_vector), read
    instead of parsing each candidate's text again."""
    if full_text():
        vector: Any = F(stored) if stored else SearchVector(*fields, config=SEARCH_CONFIG)
        condition = Q(found_vector=terms.query())
        if also is not None:
            condition |= also
        ranked: QuerySet[Any] = queryset.alias(found_vector=vector).filter(condition)
        rank: Any = SearchRank(vector, terms.query())
        if also is not None:
            rank = rank + Case(When(also, then=Value(1.0)), default=Value(0.0))
        ranked = ranked.annotate(rank=rank)
        return ranked
    condition = Q()
    for word in terms.words:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    if also is not None:
        condition |= also
    found: QuerySet[Any] = queryset.filter(condition)
    found = found.annotate(rank=Value(0.0, output_field=FloatField()))
    return found


def with_highlights(
    queryset: QuerySet[Any], terms: Terms, *, title: str, text: str | None
) -> QuerySet[Any]:
    """Add the highlighted title and an excerpt of `text` (computed by PostgreSQL for the rows
    of the page only)."""
    shaped: QuerySet[Any]
    if not full_text():
        shaped = queryset.annotate(hl_title=F(title), hl_text=F(text) if text else Value(""))
        return shaped
    query = terms.query()
    annotations: dict[str, Any] = {
        "hl_title": SearchHeadline(
            title, query, config=SEARCH_CONFIG, start_sel=START, stop_sel=STOP, highlight_all=True
        ),
        "hl_text": Value(""),
    }
    if text:
        annotations["hl_text"] = SearchHeadline(
            text,
            query,
            config=SEARCH_CONFIG,
            start_sel=START,
            stop_sel=STOP,
            max_words=35,
            min_words=15,
            max_fragments=2,
        )
    shaped = queryset.annotate(**annotations)
    return shaped


def marked(value: str, terms: Terms) -> SafeString:
    """Escaped text with the matches in <mark>: the database's markers (PostgreSQL's headline),
    else the typed words. Nothing of the text itself is ever taken as HTML."""
    value = value or ""
    if START not in value and terms.words:
        pattern = re.compile("|".join(re.escape(w) for w in terms.words), re.IGNORECASE)
        value = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", value)
    html = escape(value).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own <mark> is added
