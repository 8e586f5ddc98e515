"""What the access app holds about a person: invitations received and sent."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contacts.services import PSEUDONYM_NAME, pseudonym_email
from core.personal_data import Holding, Subject, redact_rows, register

from .models import Invitation


def _received(subject: Subject) -> Any:
    return Invitation.objects.filter(email__iexact=subject.user.email)


def _row(invitation: Invitation) -> dict[str, Any]:
    target = invitation.target
    return {
        "email": invitation.email,
        "space": str(invitation.space) if invitation.space_id else None,
        "project": str(invitation.project) if invitation.project_id else None,
        "into": str(target),
        "role": invitation.get_role_display(),
        "status": invitation.get_status_display(),
        "until": invitation.until,
        "message": invitation.message,
        "invited_by": str(invitation.invited_by) if invitation.invited_by else None,
        "created_at": invitation.created_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.ended_at,
    }


def _export_received(subject: Subject) -> list[dict[str, Any]]:
    related = _received(subject).with_status().select_related("space", "project", "invited_by")
    return [_row(i) for i in related]


def _export_sent(subject: Subject) -> list[dict[str, Any]]:
    sent = Invitation.objects.filter(invited_by=subject.user).with_status()
    return [_row(i) for i in sent.select_related("space", "project", "invited_by")]


def _collect(subject: Subject) -> None:
    subject.add_about(Invitation, _received(subject).values_list("pk", flat=True))


def _anonymise(subject: Subject) -> None:
    """Received invitations keep no address, name or message; lists show the pseudonym. The
    messages the person wrote to others keep their text, without the person's name."""
    redact_rows(
        Invitation.objects.exclude(pk__in=_received(subject)),
        ("message",),
        subject,
        own=Q(invited_by=subject.user),
    )
    _received(subject).update(
        email=pseudonym_email(subject.user),
        first_name=PSEUDONYM_NAME,
        last_name=str(subject.user.pk),
        message="",
    )


register(
    Holding(
        key="invitations_received",
        models=(Invitation,),
        export=_export_received,
        anonymise=_anonymise,
        order=50,
        collect=_collect,
    ),
    Holding(key="invitations_sent", models=(), export=_export_sent, order=50),
)
