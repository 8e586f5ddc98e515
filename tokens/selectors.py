"""Reads of the personal API tokens, shaped for the viewer; `token_space_ids` for the REST API."""

from __future__ import annotations

from django.db.models import QuerySet

from core.audiences import ITD, Viewer
from spaces.models import Space
from spaces.permissions import member_space_ids

from .models import ApiToken


def space_choices(user: Viewer) -> QuerySet[Space]:
    """The spaces a token of `user` may be limited to: ITD any space, everyone else the spaces
    they belong to now (in any role). Limiting only narrows what the owner may see."""
    spaces = Space.objects.order_by("position", "name_de")
    if ITD.test(user, None):
        return spaces
    return spaces.filter(pk__in=member_space_ids(user))


def my_tokens(user: Viewer) -> QuerySet[ApiToken]:
    """The viewer's own tokens, newest first, with their spaces."""
    return (
        ApiToken.objects.visible_to(user)
        .filter(owner_id=getattr(user, "pk", None))
        .prefetch_related("spaces")
    )


def all_tokens(user: Viewer) -> QuerySet[ApiToken]:
    """Every token the viewer may see (ITD: all) with its owner and spaces."""
    return (
        ApiToken.objects.visible_to(user)
        .select_related("owner", "revoked_by")
        .prefetch_related("spaces")
    )


def token_space_ids(token: ApiToken) -> frozenset[int] | None:
    """The spaces a token is limited to, or None when it is not limited (everything its owner
    may see). For the REST API: a request with the token reads the owner's scope (`visible_to`)
    intersected with these spaces, never more.

    The limit is fixed at creation. When the owner leaves one of the spaces the token keeps
    working (the owner's own scope no longer shows that space's members-only content, so the
    token does not either) and still names the space here; when a space is deleted it drops out,
    and a token whose spaces are all gone is limited to nothing (an empty set, not None)."""
    if not token.limited_to_spaces:
        return None
    return frozenset(token.spaces.values_list("pk", flat=True))
