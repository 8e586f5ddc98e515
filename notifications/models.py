"""The outbox: one notification per recipient, written in the transaction of its event.

A notification is shown in the recipient's notification centre and, by their preference, sent
as an e-mail at once, collected into a daily or weekly digest, or not sent. Its mail is
rendered when it is written, in the recipient's language; a mail that carries a secret link (an
invitation, a password reset) is stored encrypted (FIELD_ENCRYPTION_KEYS).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.choices import ChoiceLabels
from core.rules import RestrictedQuerySet

from .kinds import Channel, Kind


class MailStatus(models.TextChoices):
    NONE = "none", _("keine E-Mail")
    PENDING = "pending", _("wartet auf Versand")
    DIGEST = "digest", _("für die Sammel-E-Mail vorgemerkt")
    SENT = "sent", _("gesendet")
    FAILED = "failed", _("fehlgeschlagen")
    CANCELLED = "cancelled", _("nicht mehr gültig")


class NotificationQuerySet(RestrictedQuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(ChoiceLabels, models.Model):
    """One notice to one recipient (an account, or an address without one: an invitation)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Empfänger/in"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField(_("E-Mail-Adresse"))
    kind = models.CharField(_("Anlass"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("Betreff"), max_length=255)
    url = models.CharField(_("Verweis"), max_length=500, blank=True)
    # What the notice is about, for the centre's filters and for withdrawing it.
    space = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("Raum"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("Projekt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_ref = models.CharField(max_length=100, blank=True, db_index=True)
    # One notice per recipient and occasion for those the daily jobs write (run twice: once).
    dedup_key = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, default="de")
    channel = models.CharField(
        _("Zustellung"), max_length=20, choices=Channel.choices, default=Channel.IMMEDIATE
    )
    mail_subject = models.CharField(max_length=255, blank=True)
    mail_text = models.TextField(blank=True)
    mail_html = models.TextField(blank=True)
    encrypted = models.BooleanField(default=False)
    mail_status = models.CharField(
        _("E-Mail"), max_length=20, choices=MailStatus.choices, default=MailStatus.NONE
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        "Digest", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    created_at = models.DateTimeField(_("erstellt"), default=timezone.now)
    read_at = models.DateTimeField(_("gelesen"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ("-created_at", "-id")
        indexes = [
            # The centre: a recipient's notices, newest first (and the unread count).
            models.Index(fields=("recipient", "-created_at"), name="notification_inbox_idx"),
            # The outbox: what waits to be sent, oldest first.
            models.Index(
                fields=("mail_status", "created_at"),
                name="notification_outbox_idx",
                condition=Q(mail_status__in=("pending", "digest")),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("email", "kind", "dedup_key"),
                condition=~Q(dedup_key=""),
                name="notification_once_per_occasion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def set_mail(self, *, subject: str, text: str, html: str) -> None:
        if self.encrypted:
            text, html = crypto.encrypt(text), crypto.encrypt(html)
        self.mail_subject, self.mail_text, self.mail_html = subject[:255], text, html

    def mail(self) -> tuple[str, str, str]:
        """Subject, plain text and HTML of the e-mail (decrypted)."""
        if self.encrypted:
            return self.mail_subject, crypto.decrypt(self.mail_text), crypto.decrypt(self.mail_html)
        return self.mail_subject, self.mail_text, self.mail_html


class Digest(models.Model):
    """One collected e-mail of a person's daily or weekly notices."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_digests"
    )
    period = models.CharField(max_length=20, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    mail_status = models.CharField(
        max_length=20, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Sammel-E-Mail")
        verbose_name_plural = _("Sammel-E-Mails")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("mail_status", "created_at"),
                name="digest_outbox_idx",
                condition=Q(mail_status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_period_display()} {self.created_at:%d.%m.%Y}"


class Preference(models.Model):
    """How a person wants to hear of one kind of notice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)

    class Meta:
        verbose_name = _("Benachrichtigungseinstellung")
        verbose_name_plural = _("Benachrichtigungseinstellungen")
        constraints = [
            models.UniqueConstraint(fields=("user", "kind"), name="preference_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"
