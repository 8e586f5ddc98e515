"""The orchestrator of personal data: every app declares what it holds about a person in its
own `privacy.py` (a `Holding`), and this module runs all of them for the export (Art. 15 DSGVO,
/my-data/) and for deletion by anonymisation (Art. 17).

A declaration (`Holding`) names the models it covers, exports its records of a person, and
anonymises them. A test walks every model of the portal and fails for one that refers to an
account or a person without a holding that covers it: a new model cannot be forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from .audiences import Actor

_QS = TypeVar("_QS", bound="models.QuerySet[Any]")


@dataclass
class Subject:
    """The person being exported or anonymised, and what identifies them in text."""

    user: Actor
    # The account's profile (contacts.Person) or None: Any, as core does not know that model.
    person: Any
    pseudonym: str = ""
    # Name, e-mail address and phone as they were: scrubbed from every stored text.
    needles: list[str] = field(default_factory=list)
    # Objects that are about the person: model -> primary keys (for the audit trail).
    about: dict[type[models.Model], set[Any]] = field(default_factory=dict)

    def add_about(self, model: type[models.Model], pks: Iterable[Any]) -> None:
        self.about.setdefault(model, set()).update(pks)


@dataclass(frozen=True)
class Holding:
    """One kind of record about a person, declared by the app that stores it."""

    key: str
    models: tuple[type[models.Model], ...]
    export: Callable[[Subject], Any]
    anonymise: Callable[[Subject], None] | None = None
    # Lower runs first: records are ended before the account is renamed, the history last.
    order: int = 50
    # Holdings that name objects about the person (subject.add_about) run before the others.
    collect: Callable[[Subject], None] | None = None


_HOLDINGS: dict[str, Holding] = {}
_discovered = False


def register(*holdings: Holding) -> None:
    for holding in holdings:
        _HOLDINGS[holding.key] = holding


def holdings() -> list[Holding]:
    global _discovered
    if not _discovered:
        autodiscover_modules("privacy")
        _discovered = True
    return sorted(_HOLDINGS.values(), key=lambda h: (h.order, h.key))


def covered_models() -> set[type[models.Model]]:
    return {model for holding in holdings() for model in holding.models}


def _collect(subject: Subject) -> None:
    for holding in holdings():
        if holding.collect is not None:
            holding.collect(subject)


def export(subject: Subject) -> dict[str, Any]:
    """Everything the portal stores about the subject, by holding, for the page and for JSON."""
    _collect(subject)
    return {holding.key: holding.export(subject) for holding in holdings()}


def anonymise(subject: Subject) -> None:
    """Run every holding's anonymisation, in one transaction."""
    with transaction.atomic():
        _collect(subject)
        for holding in holdings():
            if holding.anonymise is not None:
                holding.anonymise(subject)


# --- Scrubbing text -------------------------------------------------------------------------


def needle_variants(needles: Iterable[str]) -> list[str]:
    """The needles as they appear in plain text and inside JSON (escaped, e.g. on SQLite)."""
    variants: list[str] = []
    for needle in needles:
        if not needle:
            continue
        for variant in (needle, json.dumps(needle)[1:-1]):
            if variant not in variants:
                variants.append(variant)
    # Longer first, so "Anna Meyer" is replaced before a shorter needle inside it.
    return sorted(variants, key=len, reverse=True)


def scrub(value: Any, needles: Iterable[str], replacement: str) -> Any:
    """`value` (text, or JSON data) with every needle replaced, case-insensitively for text."""
    needles = list(needles)
    if isinstance(value, str):
        lowered = value.lower()
        for needle in needles:
            start = lowered.find(needle.lower())
            while start != -1:
                value = value[:start] + replacement + value[start + len(needle) :]
                lowered = value.lower()
                start = lowered.find(needle.lower(), start + len(replacement))
        return value
    if isinstance(value, list):
        return [scrub(v, needles, replacement) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, needles, replacement) for k, v in value.items()}
    return value


def mentioning(queryset: _QS, fields: Iterable[str], needles: Iterable[str]) -> _QS:
    """Rows whose text or JSON fields contain one of the needles (case-insensitive)."""
    annotations = {f"_text_{name}": Cast(name, TextField()) for name in fields}
    condition = Q()
    for needle in needle_variants(needles):
        for name in fields:
            condition |= Q(**{f"_text_{name}__icontains": needle})
    if not condition:
        return queryset.none()
    return queryset.annotate(**annotations).filter(condition)


# The page where signed-in people see, export and delete their own data belongs to a higher
# layer (contacts: /my-data/); it names its URL here in its AppConfig.ready(), and the privacy
# statement links to it without naming that layer.
SELF_SERVICE: dict[str, str] = {}


def self_service_url() -> str:
    """The address of the "Meine Daten" page; "" where no app has registered one."""
    return reverse(SELF_SERVICE["url_name"]) if "url_name" in SELF_SERVICE else ""
