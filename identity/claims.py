"""Reading what the identity provider asserts: the e-mail address and whether it is verified,
the groups, and whether the sign-in used a second factor (`amr`/`acr`).

allauth keeps the provider's answer in `SocialAccount.extra_data`: the userinfo and the decoded
ID token (`{"userinfo": {...}, "id_token": {...}}`). `amr`, `acr` and `sid` are claims of the
ID token; the rest may come from either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

# Set on the request of the sign-in by the provider (identity.adapters) and read in the same
# request: by the second-factor stage (contacts.stages) and the session stamp (contacts).
PROVIDER_MFA = "portal_provider_mfa"
SIGN_IN_PATH = "portal_sign_in_path"


def id_token_of(extra_data: Mapping[str, Any]) -> Mapping[str, Any]:
    token = extra_data.get("id_token")
    return token if isinstance(token, Mapping) else {}


def merged(extra_data: Mapping[str, Any]) -> dict[str, Any]:
    """The ID token's claims, completed by the userinfo's (which wins where both say)."""
    userinfo = extra_data.get("userinfo")
    return {**id_token_of(extra_data), **(userinfo if isinstance(userinfo, Mapping) else {})}


def groups_of(claims: Mapping[str, Any]) -> set[str]:
    """The values of the configured group claim (a list, or one string)."""
    value = claims.get(settings.OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        return {value} if value else set()
    if isinstance(value, list | tuple):
        return {str(v) for v in value if isinstance(v, str | int) and str(v)}
    return set()


def second_factor_asserted(id_token: Mapping[str, Any]) -> bool:
    """The provider says the person used more than a password: one of OIDC_MFA_AMR in `amr`,
    or `acr` one of OIDC_MFA_ACR. Both lists come from the environment; empty means never."""
    amr = id_token.get("amr")
    methods = {str(m) for m in amr} if isinstance(amr, list) else set()
    if methods & set(settings.OIDC_MFA_AMR):
        return True
    acr = id_token.get("acr")
    return isinstance(acr, str) and acr in settings.OIDC_MFA_ACR


def email_allowed(email: str) -> bool:
    """An address in one of OIDC_ALLOWED_DOMAINS or one of their subdomains."""
    domain = email.rpartition("@")[2].lower()
    return bool(domain) and any(
        domain == allowed or domain.endswith("." + allowed)
        for allowed in settings.OIDC_ALLOWED_DOMAINS
    )


def email_verified(claims: Mapping[str, Any]) -> bool:
    """Only the boolean true (or the string "true" some providers send) counts as verified."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def provider_vouched_for_second_factor(request: HttpRequest) -> bool:
    return bool(getattr(request, PROVIDER_MFA, False))
