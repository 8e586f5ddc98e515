"""What the spaces app holds about a person: their memberships (and whom they invited)."""

from __future__ import annotations

from typing import Any

from core.personal_data import Holding, Subject, redact_rows, register

from .models import Membership, Space
from .services import membership_close


def _memberships(subject: Subject) -> Any:
    if subject.person is None:
        return Membership.objects.none()
    return Membership.objects.filter(person=subject.person)


def _export(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "space": str(m.space),
            "role": m.get_role_display(),
            "represents": str(m.represents) if m.represents else None,
            "since": m.since,
            "until": m.until,
            "ended_at": m.ended_at,
            "invited_by": str(m.invited_by) if m.invited_by else None,
        }
        for m in _memberships(subject)
        .select_related("space", "authority", "organisation", "invited_by")
        .order_by("-since", "pk")
    ]


def _collect(subject: Subject) -> None:
    subject.add_about(Membership, _memberships(subject).values_list("pk", flat=True))


def _anonymise(subject: Subject) -> None:
    """Open memberships end today; their history stays (the audit trail names the pseudonym).
    A space's description names the person nowhere."""
    redact_rows(Space.objects.all(), ("description_de", "description_en"), subject)
    for membership in _memberships(subject).open():
        membership_close(membership=membership, actor=None)


register(
    Holding(
        key="memberships",
        models=(Membership,),
        export=_export,
        anonymise=_anonymise,
        order=20,
        collect=_collect,
    )
)
