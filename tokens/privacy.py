"""What the tokens hold about a person: their own tokens (name, prefix, scope, dates; never the
hash) and the tokens of others they revoked (as ITD)."""

from __future__ import annotations

from typing import Any

from core.personal_data import Holding, Subject, register

from .models import ApiToken


def _export(subject: Subject) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "name": token.name,
            "prefix": token.shown_prefix,
            "can_write": token.can_write,
            "spaces": [str(space.name) for space in token.spaces.all()]
            if token.limited_to_spaces
            else None,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "last_used_at": token.last_used_at,
            "last_used_ip": token.last_used_ip,
            "revoked_at": token.revoked_at,
        }
        for token in ApiToken.objects.filter(owner=subject.user).prefetch_related("spaces")
    ]
    revoked = ApiToken.objects.filter(revoked_by=subject.user).exclude(owner=subject.user)
    rows += [
        {"revoked_by_me": token.shown_prefix, "revoked_at": token.revoked_at} for token in revoked
    ]
    return rows


def _anonymise(subject: Subject) -> None:
    # The person's tokens go (and with them their names and last addresses); who revoked the
    # tokens of others stays in the security log under the pseudonym.
    ApiToken.objects.filter(owner=subject.user).delete()
    ApiToken.objects.filter(revoked_by=subject.user).update(revoked_by=None)


register(
    Holding(
        key="api_keys",
        models=(ApiToken,),
        export=_export,
        anonymise=_anonymise,
        order=20,
    )
)
