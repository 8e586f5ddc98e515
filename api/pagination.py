"""Pages of a list: `page` (from 1) and `page_size` (1 to API_MAX_PAGE_SIZE). A page size out of
range is refused with a message rather than cut silently; a page past the end is 404.

A view may know its list's length from a cheaper source than counting the list (its method
`known_count`: the length, or None where it does not know it); the page itself is always read
from the list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class KnownCount(Paginator):
    """Django's paginator, the list's length taken from `known()` where it answers (read once,
    when first needed), else counted as Django counts it."""

    def __init__(
        self, object_list: Sequence[Any], per_page: int, known: Callable[[], int | None]
    ) -> None:
        super().__init__(object_list, per_page)
        self._known = known

    @cached_property
    def count(self) -> int:
        found = self._known()
        return found if found is not None else Paginator.count.func(self)  # type: ignore[attr-defined]


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        known = getattr(view, "known_count", None)
        if known is not None:  # DRF makes its paginator as django_paginator_class(items, size)
            self.django_paginator_class = lambda items, size: KnownCount(  # type: ignore[assignment]
                items, size, known
            )
        return super().paginate_queryset(queryset, request, view)

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return int(settings.API_MAX_PAGE_SIZE)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return int(settings.API_PAGE_SIZE)
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    "page_size": [
                        _("Bitte eine ganze Zahl von 1 bis %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters
