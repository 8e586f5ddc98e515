"""Reads of the claims table and of the roles it gave, for ITD's pages and a person's own."""

from __future__ import annotations

from collections.abc import Collection

from allauth.socialaccount.models import SocialAccount
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.audiences import Viewer

from .models import ClaimGrant, ClaimRule


def claim_rules() -> QuerySet[ClaimRule]:
    return ClaimRule.objects.select_related("space", "authority", "created_by")


def open_grants() -> QuerySet[ClaimGrant]:
    """Every role a claim gives now, by person."""
    return (
        ClaimGrant.objects.filter(ended_at__isnull=True)
        .select_related("user", "space", "authority")
        .order_by("user__last_name", "user__first_name", "user_id", "grants", "id")
    )


def my_grants(user: Viewer) -> QuerySet[ClaimGrant]:
    """The viewer's roles from the identity provider, open ones first."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return ClaimGrant.objects.none()
    return (
        ClaimGrant.objects.filter(user_id=pk)
        .select_related("space", "authority")
        .order_by("ended_at", "-granted_at")
    )


def provider_accounts(user: Viewer) -> QuerySet[SocialAccount]:
    """The viewer's accounts at identity providers linked to the portal account."""
    return SocialAccount.objects.filter(user_id=getattr(user, "pk", None)).order_by("date_joined")


# Which field of an open grant names the row it created, by the row's model.
_GRANTED_ROW = {"spaces.Membership": "membership_id", "contacts.DigitalOfficer": "officer_id"}


def roles_from_claims(model: str, ids: Collection[int]) -> dict[int, str]:
    """The source of core.role_origins: of these memberships or officer roles, those an open
    claim gave, each labelled with its group in the service account (one query)."""
    field = _GRANTED_ROW.get(model)
    if field is None or not ids:
        return {}
    rows = ClaimGrant.objects.filter(ended_at__isnull=True, **{f"{field}__in": list(ids)})
    return {
        pk: str(_("aus dem Dienstkonto (Gruppe „%(claim)s“)") % {"claim": claim})
        for pk, claim in rows.values_list(field, "claim")
    }
