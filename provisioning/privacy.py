"""What provisioning holds about a person: the identity management's name and key for their
account, and the groups it put them in."""

from __future__ import annotations

from typing import Any

from core.personal_data import Holding, Subject, register

from .models import ScimGroup, ScimUser


def _export(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "user_name": row.user_name,
            "external_id": row.external_id,
            "groups": sorted(row.groups.values_list("display_name", flat=True)),
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "deleted_at": row.deleted_at,
        }
        for row in ScimUser.everything.filter(user=subject.user)
    ]


def _anonymise(subject: Subject) -> None:
    # The link to the identity management goes with the name: the account is no longer its.
    ScimUser.everything.filter(user=subject.user).delete()


register(
    Holding(
        key="identity_management_account",
        models=(ScimUser, ScimGroup),
        export=_export,
        anonymise=_anonymise,
        order=25,
    )
)
