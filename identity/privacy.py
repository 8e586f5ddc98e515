"""What the identity app holds about a person: the link to their account at the identity
provider (allauth's SocialAccount: its identifier and the claims of the last sign-in), the
portal sessions begun there, the roles their provider's groups gave them (with the group), and
the rules of the claims table they created (as ITD)."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialAccount

from core.personal_data import Holding, Subject, register

from .models import ClaimGrant, ClaimRule, ProviderSession


def _export(subject: Subject) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "claim": grant.claim,
            "role": grant.grants,
            "space": str(grant.space) if grant.space is not None else None,
            "authority": grant.authority.code if grant.authority is not None else None,
            "granted_at": grant.granted_at,
            "ended_at": grant.ended_at,
        }
        for grant in ClaimGrant.objects.filter(user=subject.user).select_related(
            "space", "authority"
        )
    ]
    rows += [
        {"rule_created": str(rule), "created_at": rule.created_at}
        for rule in ClaimRule.objects.filter(created_by=subject.user)
    ]
    rows += [
        {
            "provider": account.provider,
            "identifier": account.uid,
            "linked_at": account.date_joined,
            "last_sign_in": account.last_login,
            "claims_of_the_last_sign_in": account.extra_data,
        }
        for account in SocialAccount.objects.filter(user=subject.user)
    ]
    rows += [
        {"provider_session_since": session.created_at, "provider": session.provider}
        for session in ProviderSession.objects.filter(user=subject.user)
    ]
    return rows


def _anonymise(subject: Subject) -> None:
    # The roles end with the account; who made a rule is forgotten, the rule stays.
    ClaimGrant.objects.filter(user=subject.user).delete()
    ClaimRule.objects.filter(created_by=subject.user).update(created_by=None)
    # The link to the provider goes (a later sign-in there would create a new account).
    SocialAccount.objects.filter(user=subject.user).delete()
    ProviderSession.objects.filter(user=subject.user).delete()


register(
    Holding(
        key="roles_from_identity_provider",
        models=(ClaimGrant, ClaimRule, SocialAccount, ProviderSession),
        export=_export,
        anonymise=_anonymise,
        order=25,
    )
)
