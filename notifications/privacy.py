"""What the outbox holds about a person: their notices, digests and preferences, and the notices
to others that name them.

Notices to others that name the person are kept and rewritten, not dropped: the others still
learn that a document was shared or a reply written, only no longer by whom ("Gelöschte Person
30 hat ... hochgeladen"). Title, subject, text and HTML of the mail lose every spelling of the
name and the address, in mails waiting to go out (at once or in a digest) and in the notices
already sent (the centre shows their titles).

A mail being sent while the person is deleted: the sending locks its rows (`deliver` the notice,
`deliver_digest` the digest and then its notices), and the deletion locks the same rows in the
same order (digests first, then notices) before rewriting them. Whoever locks first goes first:
a mail already being sent goes out as it was and is rewritten after it; a mail whose rows the
deletion holds is sent after the deletion's commit, without the name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core import crypto
from core.personal_data import Holding, Subject, mentioning, register

from .models import Digest, MailStatus, Notification, Preference

_FIELDS = ("title", "mail_subject", "mail_text", "mail_html")


def _own(subject: Subject) -> Any:
    addressed = Q(recipient=subject.user)
    for email in subject.emails:
        addressed |= Q(email__iexact=email)
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


def _lock(notices: Any) -> list[Notification]:
    """The notices locked for the rewrite, after their digests (the order of
    `deliver_digest`, so the two never wait for each other in a circle)."""
    ids = list(notices.values_list("pk", flat=True))
    digest_ids = {
        d for d in Notification.objects.filter(pk__in=ids).values_list("digest_id", flat=True) if d
    }
    list(Digest.objects.select_for_update().filter(pk__in=digest_ids).order_by("pk"))
    return list(
        Notification.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    )


def _rewrite(notice: Notification, subject: Subject) -> None:
    changed = []
    for name in ("title", "mail_subject"):
        value = getattr(notice, name)
        clean = subject.redact(value)[:255]
        if clean != value:
            setattr(notice, name, clean)
            changed.append(name)
    text, html = notice.mail_text, notice.mail_html
    if notice.encrypted:
        # A mail with a secret link (an invitation the person sent) is encrypted until sent.
        text = crypto.decrypt(text) if text else ""
        html = crypto.decrypt(html) if html else ""
    clean_text, clean_html = subject.redact(text), subject.redact(html)
    if (clean_text, clean_html) != (text, html):
        if notice.encrypted:
            clean_text = crypto.encrypt(clean_text) if clean_text else ""
            clean_html = crypto.encrypt(clean_html) if clean_html else ""
        notice.mail_text, notice.mail_html = clean_text, clean_html
        changed += ["mail_text", "mail_html"]
    if changed:
        notice.save(update_fields=changed)


def _anonymise(subject: Subject) -> None:
    # The person's own notices and digests: gone (digests first, the lock order of sending).
    list(Digest.objects.select_for_update().filter(recipient=subject.user).order_by("pk"))
    _lock(_own(subject))
    _own(subject).delete()
    Digest.objects.filter(recipient=subject.user).delete()
    Preference.objects.filter(user=subject.user).delete()
    # Notices to others: those the database finds by the name's words, and the encrypted ones
    # still waiting (their text can only be read here).
    plain = mentioning(Notification.objects.all(), _FIELDS, subject.probes)
    waiting = Notification.objects.filter(
        encrypted=True, mail_status__in=(MailStatus.PENDING, MailStatus.DIGEST)
    )
    candidates = Notification.objects.filter(
        Q(pk__in=plain.values("pk")) | Q(pk__in=waiting.values("pk"))
    )
    for notice in _lock(candidates):
        _rewrite(notice, subject)


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
