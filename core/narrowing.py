"""A long list turned into a search: the first few matches of what a person typed, and how many
match in all (the person to add to a space, the project to invite a guest into)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Generic, TypeVar

from django.db.models import Model, Q, QuerySet

_M = TypeVar("_M", bound=Model)

MAX_WORDS = 5
MAX_LENGTH = 100


@dataclass
class Narrowed(Generic[_M]):
    shown: list[_M]
    total: int  # how many match the query
    query: str  # as it was used: at most MAX_WORDS words, MAX_LENGTH characters

    @property
    def more(self) -> bool:
        return self.total > len(self.shown)


def clean_query(query: str) -> str:
    return " ".join(query.split()[:MAX_WORDS])[:MAX_LENGTH]


def narrowed(
    rows: QuerySet[_M], query: str, fields: Sequence[str], *, limit: int, order: Sequence[str]
) -> Narrowed[_M]:
    """The rows in which every word of `query` is found in one of `fields` (case-insensitive),
    in `order`: the first `limit`, and the number of all (counted only when there are more)."""
    query = clean_query(query)
    for word in query.split():
        rows = rows.filter(reduce(or_, (Q(**{f"{f}__icontains": word}) for f in fields)))
    rows = rows.order_by(*order)
    shown = list(rows[:limit])
    total = len(shown) if len(shown) < limit else rows.count()
    return Narrowed(shown, total, query)
