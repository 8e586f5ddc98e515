"""What core holds about a person: the audit trail (as actor and as subject), the security log,
and the admin's change log. Anonymisation runs last here: every text that still names the
person in any spelling (snapshots of contact persons, guests, memberships, a document's file
name, old and new values in the JSON of a change) becomes the pseudonym. In the entries the
person made or that are about them, the first or last name alone goes too."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import AuditEntry, SecurityEvent
from .personal_data import Holding, Subject, mentioning, redact_rows, register


def _about_me(subject: Subject) -> Q:
    """Audit entries about objects that concern the person (their account, memberships, ...)."""
    condition = Q(pk__in=[])
    for model, pks in subject.about.items():
        if pks:
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
            condition |= Q(content_type=content_type, object_id__in=[str(pk) for pk in pks])
    return condition


def _audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "created_at": e.created_at,
        "action": e.get_action_display(),
        "object": e.object_repr,
        "by": e.actor_label,
        "changes": e.changes,
    }


def _audit_made(subject: Subject) -> list[dict[str, Any]]:
    return [_audit_entry(e) for e in AuditEntry.objects.filter(actor=subject.user)]


def _audit_about(subject: Subject) -> list[dict[str, Any]]:
    fields = ("object_repr", "changes")
    mentions = [
        e.pk
        for e in mentioning(AuditEntry.objects.all(), fields, subject.probes)
        if subject.mentioned_in([e.object_repr, e.changes])
    ]
    entries = AuditEntry.objects.filter(_about_me(subject) | Q(pk__in=mentions)).exclude(
        actor=subject.user
    )
    return [_audit_entry(e) for e in entries]


def _security_log(subject: Subject) -> list[dict[str, Any]]:
    return [
        {"created_at": e.created_at, "kind": e.get_kind_display(), "ip": e.ip, "detail": e.detail}
        for e in SecurityEvent.objects.filter(
            Q(user=subject.user) | Q(user__isnull=True, user_label__iexact=subject.user.email)
        )
    ]


def _admin_log(subject: Subject) -> list[dict[str, Any]]:
    return [
        {"action_time": e.action_time, "object": e.object_repr, "message": e.change_message}
        for e in LogEntry.objects.filter(user=subject.user)
    ]


def _anonymise_history(subject: Subject) -> None:
    """The history stays whole, under the pseudonym."""
    user = subject.user
    AuditEntry.objects.filter(actor=user).update(actor_label=subject.pseudonym)
    redact_rows(
        AuditEntry.objects.all(),
        ("actor_label", "object_repr", "changes"),
        subject,
        own=Q(actor=user) | _about_me(subject),
    )
    SecurityEvent.objects.filter(user=user).update(user_label=subject.pseudonym)
    labels = Q()
    for email in subject.emails:
        labels |= Q(user_label__iexact=email)
    if labels:
        SecurityEvent.objects.filter(labels, user__isnull=True).update(user_label=subject.pseudonym)
    redact_rows(SecurityEvent.objects.all(), ("user_label", "detail"), subject, own=Q(user=user))
    redact_rows(
        LogEntry.objects.all(), ("object_repr", "change_message"), subject, own=Q(user=user)
    )


register(
    Holding(key="audit_entries_made", models=(AuditEntry,), export=_audit_made, order=100),
    Holding(
        key="audit_entries_about_me",
        models=(),
        export=_audit_about,
        anonymise=_anonymise_history,
        order=100,
    ),
    Holding(key="security_log", models=(SecurityEvent,), export=_security_log, order=100),
    Holding(key="admin_log", models=(LogEntry,), export=_admin_log, order=100),
)
