"""Meetings of a Digital Space: when and where, the agenda and the minutes with their files, who
is invited and what each answered; and the personal calendar feed (a secret URL, stored as its
hash)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Person
from core.filetypes import KINDS
from core.object_storage import storage_by_alias
from core.rules import RestrictedQuerySet
from spaces.models import Space


def validate_https_url(value: str) -> None:
    """A video link opens in the browser of every invitee: https only (no javascript:, data:,
    plain http or other schemes), with a host."""
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ValidationError(
            _("Bitte einen Link angeben, der mit https:// beginnt."), code="not_https"
        )


class MeetingQuerySet(RestrictedQuerySet["Meeting"]):
    """`visible_to(user)`: meetings.permissions.MEETING."""


class Meeting(models.Model):
    """A meeting of one space: time, place or video link, agenda, minutes, invitees."""

    space = models.ForeignKey(
        Space, verbose_name=_("Raum"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("Titel"), max_length=200)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    place = models.CharField(_("Ort"), max_length=200, blank=True)
    video_url = models.URLField(
        _("Link zur Videokonferenz"),
        max_length=500,
        blank=True,
        validators=[validate_https_url],
    )
    agenda = models.TextField(_("Tagesordnung"), blank=True, max_length=10000)
    minutes = models.TextField(_("Protokoll"), blank=True, max_length=50000)
    # The calendar's identity of the event (RFC 5545 UID) and its revision (SEQUENCE): a
    # subscribed calendar replaces the event it has when a higher SEQUENCE arrives.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    cancelled_at = models.DateTimeField(_("abgesagt am"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        ordering = ("starts_at", "pk")
        indexes = [
            models.Index(fields=("space", "starts_at"), name="meeting_space_start_idx"),
            models.Index(fields=("space", "-created_at"), name="meeting_space_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("Ein Termin muss nach seinem Beginn enden."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", kwargs={"pk": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()


class Answer(models.TextChoices):
    OPEN = "", _("noch keine Antwort")
    YES = "yes", _("nehme teil")
    NO = "no", _("nehme nicht teil")
    MAYBE = "maybe", _("vielleicht")


class Invitee(models.Model):
    """A person of the space invited to a meeting, and their answer."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("Termin"), on_delete=models.CASCADE, related_name="invitees"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("Person"),
        on_delete=models.CASCADE,
        related_name="meeting_invitations",
    )
    answer = models.CharField(
        _("Antwort"), max_length=10, choices=Answer.choices, default=Answer.OPEN, blank=True
    )
    answered_at = models.DateTimeField(_("geantwortet am"), null=True, blank=True)
    invited_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Eingeladene Person")
        verbose_name_plural = _("Eingeladene Personen")
        ordering = ("person__user__last_name", "person__user__first_name", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=("meeting", "person"),
                name="invitee_once_per_meeting",
                violation_error_message=_("Diese Person ist bereits eingeladen."),
            ),
            models.CheckConstraint(
                condition=Q(answer__in=["", "yes", "no", "maybe"]),
                name="invitee_answer_known",
            ),
        ]
        indexes = [models.Index(fields=("person", "meeting"), name="invitee_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} – {self.meeting}"


class CalendarFeed(models.Model):
    """A person's calendar subscription: only the SHA-256 of its secret token is stored, so the
    database alone never opens anyone's calendar. Revoked: no hash (every old URL answers 404)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Konto"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("erstellt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Kalender-Abonnement")
        verbose_name_plural = _("Kalender-Abonnements")

    def __str__(self) -> str:
        return f"{self.user}"

    @property
    def is_active(self) -> bool:
        return bool(self.token_hash)


# Meeting files are kept where documents are (the same store, local or S3, switched in one
# place: STORAGES["documents"]), under a directory of their own, "meetings/", which the
# documents' retention job does not look into (it lists "documents/" only).
STORAGE_ALIAS = "documents"
DIRECTORY = "meetings"


def file_storage() -> Storage:
    """For FileField(storage=...): STORAGES[STORAGE_ALIAS], looked up when used."""
    return storage_by_alias(STORAGE_ALIAS)


class MeetingFile(models.Model):
    """A file of a meeting's agenda or minutes, checked like a document when uploaded."""

    class Part(models.TextChoices):
        AGENDA = "agenda", _("Tagesordnung")
        MINUTES = "minutes", _("Protokoll")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("Termin"), on_delete=models.CASCADE, related_name="files"
    )
    part = models.CharField(_("Teil"), max_length=10, choices=Part.choices)
    # The name the portal made (meetings/<yyyy>/<mm>/<random>.<ext>); never shown.
    file = models.FileField(storage=file_storage, max_length=200)
    original_name = models.CharField(_("Dateiname"), max_length=200)
    content_type = models.CharField(_("Inhaltstyp"), max_length=120)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("hochgeladen am"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Datei eines Termins")
        verbose_name_plural = _("Dateien von Terminen")
        ordering = ("meeting", "part", "uploaded_at", "pk")
        indexes = [models.Index(fields=("meeting", "part"), name="meeting_file_part_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(part__in=["agenda", "minutes"]), name="meeting_file_part_known"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="meeting_file_not_empty"),
            models.UniqueConstraint(fields=("file",), name="meeting_file_stored_once"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.meeting})"

    @property
    def kind_label(self) -> str:
        """ "PDF", "Word (docx)": the type the content was recognised as."""
        return next(
            (k.label for k in KINDS.values() if k.content_type == self.content_type),
            self.content_type,
        )

    def get_download_url(self) -> str:
        return reverse("meetings:file_download", kwargs={"pk": self.meeting_id, "file": self.pk})
