"""Where a role came from: given by hand in the portal, or from outside (the city's identity
provider). The lists that show roles (a space's members, a person's page, an authority's
officers) mark each one, so that whoever manages them knows which the next sign-in will renew
or end and which are theirs to change.

The apps that give roles from outside register a source at start-up (the identity app: the
roles its claim table gave); core knows none of them. A source answers for one model (its label,
e.g. "spaces.Membership") and a batch of ids with the ids it gave and a short label each, in one
query per batch. A role no source names was given in the portal.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

# (model label, ids) -> {id: label of the outside origin}
Source = Callable[[str, Collection[int]], dict[int, str]]

SOURCES: list[Source] = []

BY_HAND = _("im Portal vergeben")


@dataclass(frozen=True)
class Origin:
    """How a list shows one role's origin."""

    label: str
    by_hand: bool


def register(source: Source) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def origins(roles: Collection[Model]) -> dict[int, Origin]:
    """Each role's origin by primary key (roles of one model); one query per registered
    source, none for an empty batch."""
    if not roles:
        return {}
    label = next(iter(roles))._meta.label
    ids = [role.pk for role in roles]
    outside: dict[int, str] = {}
    for source in SOURCES:
        outside.update(source(label, ids))
    return {
        pk: Origin(outside[pk], by_hand=False) if pk in outside else Origin(str(BY_HAND), True)
        for pk in ids
    }
