"""What the outbox holds about a person: their notices, digests and preferences, and the notices
to others that name them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core import crypto
from core.personal_data import Holding, Subject, mentioning, needle_variants, register, scrub

from .models import Digest, MailStatus, Notification, Preference


def _own(subject: Subject) -> Any:
    addressed = Q(recipient=subject.user) | Q(email__iexact=subject.user.email)
    return Notification.objects.filter(addressed)


def _export(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "created_at": n.created_at,
            "kind": n.get_kind_display(),
            "title": n.title,
            "read_at": n.read_at,
            "mail": n.get_mail_status_display(),
        }
        for n in _own(subject).order_by("-created_at")
    ]


def _export_preferences(subject: Subject) -> list[dict[str, Any]]:
    return [
        {"kind": p.get_kind_display(), "channel": p.get_channel_display()}
        for p in Preference.objects.filter(user=subject.user)
    ]


def _anonymise(subject: Subject) -> None:
    _own(subject).delete()
    Digest.objects.filter(recipient=subject.user).delete()
    Preference.objects.filter(user=subject.user).delete()
    needles = needle_variants(subject.needles)
    fields = ("title", "mail_subject", "mail_text", "mail_html")
    for notice in mentioning(Notification.objects.filter(encrypted=False), fields, subject.needles):
        for name in fields:
            setattr(notice, name, scrub(getattr(notice, name), needles, subject.pseudonym))
        notice.save(update_fields=list(fields))
    # Mails waiting to go out encrypted (an invitation the person sent): scrubbed inside.
    for notice in Notification.objects.filter(encrypted=True, mail_status=MailStatus.PENDING):
        text, html = crypto.decrypt(notice.mail_text), crypto.decrypt(notice.mail_html)
        clean_text, clean_html = (
            scrub(text, needles, subject.pseudonym),
            scrub(html, needles, subject.pseudonym),
        )
        if (clean_text, clean_html) != (text, html):
            notice.mail_text, notice.mail_html = (
                crypto.encrypt(clean_text),
                crypto.encrypt(clean_html),
            )
            notice.save(update_fields=["mail_text", "mail_html"])


register(
    Holding(
        key="notifications",
        models=(Notification, Digest),
        export=_export,
        anonymise=_anonymise,
        order=65,
    ),
    Holding(key="notification_preferences", models=(Preference,), export=_export_preferences),
)
