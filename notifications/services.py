"""Writes of the outbox: notices written with their event, sent after commit, exactly once.

- `notify()` writes one notification per recipient, in the caller's transaction, and asks for
  delivery after commit. A rolled-back event leaves nothing and sends nothing.
- `deliver()` sends one notice under a row lock and marks it sent in the same transaction: a
  task that runs twice sends once; a worker killed mid-send rolls back, the notice stays
  pending and `requeue_pending()` hands it to a worker again: never lost, and at most once more
  for a notice that was in flight.
- SMTP failures are recorded and retried with backoff (tasks.py); after the last retry the
  notice is marked failed and listed for ITD, who can retry it.
- Digests collect every notice waiting for the daily or weekly mail exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.models import User
from contacts.permissions import USER, forget_cached_facts
from core import events
from core.audiences import Audience, Viewer, audience

from . import permissions
from .kinds import ITD_DEFAULTS, KINDS, Channel, configurable_kinds
from .models import Digest, MailStatus, Notification, Preference
from .permissions import NOTIFICATION

logger = logging.getLogger(__name__)

# What a failing mail server raises; anything else is a bug and surfaces as one.
MAIL_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")


def language_of(user: Viewer) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# --- Preferences ------------------------------------------------------------------------------


def channel_for(user: User | None, kind: str) -> str:
    """How `user` wants to hear of `kind`: their preference, else the default of their role."""
    info = KINDS[kind]
    if info.fixed or user is None:
        return info.default
    chosen = getattr(user, "_portal_channels", None)
    if chosen is None:
        chosen = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
        user._portal_channels = chosen  # type: ignore[attr-defined]
    if kind in chosen:
        return str(chosen[kind])
    if audience(user) == Audience.ITD and kind in ITD_DEFAULTS:
        return ITD_DEFAULTS[kind]
    return info.default


def preferences_set(*, actor: Viewer, user: User, channels: dict[str, str]) -> None:
    """Save a person's channel per kind; security notices stay as they are (fixed)."""
    if not USER.can(actor, "set_preferences", user):
        raise PermissionDenied
    unknown = [k for k in channels if k not in configurable_kinds() or KINDS[k].fixed]
    bad = [v for v in channels.values() if v not in Channel.values]
    if unknown or bad:
        raise ValidationError(
            _("Unbekannte Art oder Zustellung: %(what)s") % {"what": ", ".join(unknown + bad)}
        )
    with transaction.atomic():
        for kind, channel in channels.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
    if hasattr(user, "_portal_channels"):
        del user._portal_channels


def unsubscribe_token(user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe(*, token: str) -> tuple[Any, str]:
    """Switch off the e-mails of one kind for the person the signed token names."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=data["u"], is_active=True)
        kind = str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist) as exc:
        raise ValidationError(_("Dieser Abmeldelink ist ungültig.")) from exc
    if kind not in KINDS or KINDS[kind].fixed:
        raise ValidationError(_("Sicherheitshinweise lassen sich nicht abbestellen."))
    preferences_set(actor=user, user=user, channels={kind: Channel.OFF})
    return user, kind


# --- Writing notices --------------------------------------------------------------------------


def _render_mail(notification: Notification, lines: list[str]) -> None:
    link = base_url() + notification.url if notification.url else ""
    context = {
        "title": notification.title,
        "lines": lines,
        "link": link,
        "base_url": base_url(),
        "preferences_link": base_url() + reverse("notifications:preferences"),
        "fixed": KINDS[notification.kind].fixed,
        "has_account": notification.recipient_id is not None,
    }
    text = render_to_string("notifications/email/notice.txt", context)
    html = render_to_string("notifications/email/notice.html", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(notification.title.split())
    notification.set_mail(subject=subject, text=text, html=html)


def notify(
    *,
    kind: str,
    recipient: Any = None,
    email: str = "",
    compose: Callable[[], tuple[str, list[str]]],
    url: str = "",
    space: Any = None,
    project: Any = None,
    subject_ref: str = "",
    dedup_key: str = "",
    secret: bool = False,
    mail: Callable[[], tuple[str, str, str]] | None = None,
) -> Notification | None:
    """Write one notice in the caller's transaction; deliver its e-mail after commit.

    `compose()` gives the title and the lines of the mail; it is called in the recipient's
    language. `mail()` instead renders the whole mail (subject, text, HTML) itself, e.g. an
    invitation with its secret link (`secret` encrypts the stored mail). With a `dedup_key` a
    second notice for the same recipient and occasion is not written (returns None).
    """
    if recipient is not None and not recipient.is_active:
        return None
    if events.is_quiet():
        return None  # data that is not news (the demo seed): nobody is told of it
    language = language_of(recipient)
    channel = channel_for(recipient, kind)
    notification = Notification(
        recipient=recipient,
        email=recipient.email if recipient is not None else email,
        kind=kind,
        url=url,
        space=space,
        project=project,
        subject_ref=subject_ref,
        dedup_key=dedup_key,
        language=language,
        channel=channel,
        encrypted=secret,
    )
    with translation.override(language):
        if mail is not None:
            subject, text, html = mail()
            notification.title = " ".join(subject.split())[:255]
            notification.set_mail(subject=subject, text=text, html=html)
        else:
            title, lines = compose()
            notification.title = title[:255]
            _render_mail(notification, lines)
    if channel == Channel.IMMEDIATE:
        notification.mail_status = MailStatus.PENDING
        notification.enqueued_at = timezone.now()
    elif channel in (Channel.DAILY, Channel.WEEKLY):
        notification.mail_status = MailStatus.DIGEST
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if dedup_key:
            return None  # this occasion was notified already
        raise
    if notification.mail_status == MailStatus.PENDING:
        transaction.on_commit(lambda: enqueue_delivery(notification.pk))
    return notification


def notify_each(
    recipients: Iterable[Any],
    *,
    kind: str,
    compose: Callable[[Any], tuple[str, list[str]]],
    exclude: Any = None,
    **fields: Any,
) -> int:
    """One notice per distinct active recipient (not the one who caused the event)."""
    seen: set[int] = set()
    count = 0
    for user in recipients:
        if user is None or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        if notify(kind=kind, recipient=user, compose=_bound(compose, user), **fields):
            count += 1
    return count


def _bound(
    compose: Callable[[Any], tuple[str, list[str]]], user: Viewer
) -> Callable[[], tuple[str, list[str]]]:
    return lambda: compose(user)


def withdraw(*, subject_ref: str, kind: str) -> int:
    """Mails not sent yet about something that no longer holds (a replaced invitation link)."""
    return Notification.objects.filter(
        subject_ref=subject_ref, kind=kind, mail_status=MailStatus.PENDING
    ).update(mail_status=MailStatus.CANCELLED)


# --- Sending ----------------------------------------------------------------------------------


def enqueue_delivery(notification_id: int) -> None:
    """Hand a notice to a worker; if the broker is down, the requeue job does it later."""
    # Imported here: the tasks module imports this one (its tasks call these services).
    from . import tasks

    _enqueue(tasks.send_notification, notification_id)


def enqueue_digest(digest_id: int) -> None:
    # Imported here: the tasks module imports this one (its tasks call these services).
    from . import tasks

    _enqueue(tasks.send_digest, digest_id)


def _enqueue(task: Any, object_id: int) -> None:
    try:
        task.apply_async(args=[object_id], retry=False)
    except Exception:  # the broker is unreachable: the request must not fail, nothing is lost
        logger.warning("could not enqueue %s(%s); the requeue job will", task.name, object_id)


def _headers(notification: Notification) -> dict[str, str]:
    headers = {"X-Portal-Notification": str(notification.pk)}
    recipient = notification.recipient
    if recipient is not None and not KINDS[notification.kind].fixed:
        token = unsubscribe_token(recipient, notification.kind)
        link = base_url() + reverse("notifications:unsubscribe", kwargs={"token": token})
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _send(
    *, to: str, subject: str, text: str, html: str, headers: dict[str, str], ref: str
) -> None:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={"Message-ID": make_msgid(idstring=ref), **headers},
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def deliver(notification_id: int) -> str:
    """Send one pending notice and mark it sent, under a row lock: "sent", or "skipped" when
    it is not pending (sent, withdrawn, or being sent by another worker)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, mail_status=MailStatus.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        recipient = notification.recipient
        if recipient is not None and not recipient.is_active:
            notification.mail_status = MailStatus.CANCELLED
            notification.save(update_fields=["mail_status"])
            return "skipped"
        subject, text, html = notification.mail()
        _send(
            to=recipient.email if recipient is not None else notification.email,
            subject=subject,
            text=text,
            html=html,
            headers=_headers(notification),
            ref=f"notification-{notification.pk}",
        )
        notification.mail_status = MailStatus.SENT
        notification.sent_at = timezone.now()
        notification.attempts += 1
        # Once sent, the mail (and a secret link in it) is not kept: the title tells what it was.
        notification.mail_text = notification.mail_html = ""
        notification.save(
            update_fields=["mail_status", "sent_at", "attempts", "mail_text", "mail_html"]
        )
    return "sent"


def record_failure(
    model: type[Notification | Digest], object_id: int, error: Exception, *, retry_in: int
) -> None:
    """A failed attempt, kept for ITD; the next one is due in `retry_in` seconds."""
    model.objects.filter(pk=object_id).update(
        attempts=F("attempts") + 1,
        last_error=f"{type(error).__name__}: {error}"[:500],
        enqueued_at=timezone.now() + dt.timedelta(seconds=retry_in),
    )


def mark_failed(model: type[Notification | Digest], object_id: int) -> None:
    model.objects.filter(pk=object_id, mail_status=MailStatus.PENDING).update(
        mail_status=MailStatus.FAILED
    )


def retry(
    *, actor: Viewer, notification: Notification | None = None, digest: Digest | None = None
) -> None:
    """ITD sends a failed notice (or digest) again."""
    if not permissions.can(actor, "retry_failed"):
        raise PermissionDenied
    target = notification or digest
    if target is None or target.mail_status != MailStatus.FAILED:
        raise ValidationError(
            _("Nur fehlgeschlagene Benachrichtigungen lassen sich erneut senden.")
        )
    with transaction.atomic():
        type(target).objects.filter(pk=target.pk).update(
            mail_status=MailStatus.PENDING, enqueued_at=timezone.now(), last_error=""
        )
        if notification is not None:
            transaction.on_commit(lambda: enqueue_delivery(notification.pk))
        else:
            transaction.on_commit(lambda: enqueue_digest(target.pk))


def retry_all_failed(*, actor: Viewer) -> int:
    """After a mail server outage: every failed notice and digest is pending again. The first
    are handed out after commit, the rest by the requeue job (a few hundred a minute)."""
    if not permissions.can(actor, "retry_failed"):
        raise PermissionDenied
    with transaction.atomic():
        count = 0
        for model in (Notification, Digest):
            count += model.objects.filter(mail_status=MailStatus.FAILED).update(
                mail_status=MailStatus.PENDING, enqueued_at=None, last_error=""
            )
        transaction.on_commit(partial(requeue_pending, older_than=dt.timedelta(0)))
    return count


def requeue_pending(*, older_than: dt.timedelta | None = None, limit: int = 500) -> int:
    """Notices and digests still pending a few minutes after they were handed to a worker (a
    lost publish, a killed worker) are handed out again. SKIP LOCKED: a notice being sent now
    is not touched; running twice at once hands out each notice once."""
    if older_than is None:
        older_than = dt.timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER)
    cutoff = timezone.now() - older_than
    stale = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff)
    count = 0
    for model, enqueue in ((Notification, enqueue_delivery), (Digest, enqueue_digest)):
        with transaction.atomic():
            ids = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(stale, mail_status=MailStatus.PENDING)
                .order_by("created_at")
                .values_list("pk", flat=True)[:limit]
            )
            model.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
            for object_id in ids:
                transaction.on_commit(partial(enqueue, object_id))
        count += len(ids)
    return count


# --- Digests ----------------------------------------------------------------------------------


def digests_build(*, period: str) -> int:
    """Collect every notice waiting for the `period` mail into one digest per person (none for
    a person with nothing new). Each notice goes into exactly one digest."""
    recipients = (
        Notification.objects.filter(mail_status=MailStatus.DIGEST, channel=period, digest=None)
        .values_list("recipient", flat=True)
        .distinct()
    )
    built = 0
    for recipient_id in list(recipients):
        with transaction.atomic():
            ids = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(
                    recipient_id=recipient_id,
                    channel=period,
                    mail_status=MailStatus.DIGEST,
                    digest=None,
                )
                .values_list("pk", flat=True)
            )
            if not ids:
                continue
            digest = Digest.objects.create(
                recipient_id=recipient_id, period=period, enqueued_at=timezone.now()
            )
            Notification.objects.filter(pk__in=ids).update(digest=digest)
            transaction.on_commit(partial(enqueue_digest, digest.pk))
        built += 1
    return built


def _digest_groups(items: list[Notification]) -> list[dict[str, Any]]:
    """Grouped by space and project, newest first."""
    groups: dict[tuple[str, str], list[Notification]] = {}
    for item in sorted(items, key=lambda n: n.created_at, reverse=True):
        key = (str(item.space) if item.space else "", str(item.project) if item.project else "")
        groups.setdefault(key, []).append(item)
    return [
        {"space": space, "project": project, "items": entries}
        for (space, project), entries in groups.items()
    ]


def deliver_digest(digest_id: int) -> str:
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=digest_id, mail_status=MailStatus.PENDING)
            .first()
        )
        if digest is None:
            return "skipped"
        # The notices locked too: a deletion that rewrites them (notifications.privacy) either
        # waits for this mail or is committed before these rows are read, never in between.
        items = list(
            digest.items.select_for_update(of=("self",))
            .select_related("space", "project")
            .order_by("pk")
        )
        recipient = digest.recipient
        if not recipient.is_active or not items:
            digest.mail_status = MailStatus.CANCELLED
            digest.save(update_fields=["mail_status"])
            return "skipped"
        with translation.override(language_of(recipient)):
            context = {
                "period": digest.get_period_display(),
                "groups": _digest_groups(items),
                "base_url": base_url(),
                "preferences_link": base_url() + reverse("notifications:preferences"),
                "centre_link": base_url() + reverse("notifications:list"),
            }
            subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _(
                "Ihre Benachrichtigungen (%(period)s)"
            ) % {"period": digest.get_period_display()}
            text = render_to_string("notifications/email/digest.txt", context)
            html = render_to_string("notifications/email/digest.html", context)
        _send(
            to=recipient.email,
            subject=subject,
            text=text,
            html=html,
            headers={"X-Portal-Digest": str(digest.pk)},
            ref=f"digest-{digest.pk}",
        )
        now = timezone.now()
        digest.mail_status = MailStatus.SENT
        digest.sent_at = now
        digest.attempts += 1
        digest.save(update_fields=["mail_status", "sent_at", "attempts"])
        digest.items.update(mail_status=MailStatus.SENT, sent_at=now, mail_text="", mail_html="")
    return "sent"


# --- Reading ----------------------------------------------------------------------------------


def mark_read(*, actor: Viewer, notification: Notification) -> None:
    if not NOTIFICATION.can(actor, "mark_read", notification):
        raise PermissionDenied
    Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
    forget_cached_facts(actor)  # the layout's unread count is read again


def mark_all_read(*, actor: User, notifications: QuerySet[Notification]) -> int:
    """Mark the notices of the current filter read (only the actor's own)."""
    marked = notifications.filter(recipient=actor, read_at=None).update(read_at=timezone.now())
    forget_cached_facts(actor)  # the layout's unread count is read again
    return marked
