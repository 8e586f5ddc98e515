"""The portal in Leichte Sprache and in German Sign Language (DGS), as BITV 2.0 § 4 asks: four
items (the content, the navigation, the accessibility statement's main points, further content
in both forms), each as a text in Leichte Sprache and as a video in DGS; the test readers'
sign-offs; the count of requests for a translation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.rules import RestrictedQuerySet


class Item(models.TextChoices):
    """The four items of BITV 2.0 § 4 Abs. 1, in their order on the pages."""

    CONTENT = "inhalt", _("Informationen zum Inhalt")
    NAVIGATION = "navigation", _("Hinweise zur Navigation")
    STATEMENT = "erklaerung", _("Erklärung zur Barrierefreiheit")
    MORE = "weitere-inhalte", _("Hinweise auf weitere Inhalte")


class Status(models.TextChoices):
    """Where a text stands: the checker's findings, then the test readers' sign-off."""

    NOT_CHECKED = "not_checked", _("nicht geprüft")
    CHECKED = "checked", _("Prüfprogramm ohne Befund, Freigabe fehlt")
    SIGNED_OFF = "signed_off", _("freigegeben")


class EasyTextQuerySet(RestrictedQuerySet["EasyText"]):
    """`visible_to(user)`: inclusion.permissions.EASY_TEXT."""


class EasyText(models.Model):
    """One of the four items in Leichte Sprache, with the checker's findings and its status."""

    item = models.CharField(_("Punkt"), max_length=20, choices=Item.choices, unique=True)
    title = models.CharField(_("Überschrift"), max_length=120)
    # Paragraphs separated by an empty line; a line that starts with "- " is a list item.
    body = models.TextField(_("Text in Leichter Sprache"), max_length=8000)
    findings = models.JSONField(_("Befunde des Prüfprogramms"), default=list, blank=True)
    readability = models.DecimalField(
        _("Wiener Sachtextformel"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.NOT_CHECKED
    )
    # Item 3 only: the SHA-256 of the accessibility statement the signed-off text summarises.
    statement_hash = models.CharField(_("Fassung der Erklärung"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geändert von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EasyTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("Text in Leichter Sprache")
        verbose_name_plural = _("Texte in Leichter Sprache")
        ordering = ("item",)
        constraints = [
            models.CheckConstraint(
                condition=Q(item__in=Item.values), name="inclusion_easytext_item_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="inclusion_easytext_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} (Leichte Sprache)"


class SignOffQuerySet(RestrictedQuerySet["SignOff"]):
    """`visible_to(user)`: inclusion.permissions.SIGN_OFF."""


class SignOff(models.Model):
    """The test readers checked a text (DIN SPEC 33429): who, when, and which wording."""

    text = models.ForeignKey(
        EasyText, verbose_name=_("Text"), on_delete=models.CASCADE, related_name="sign_offs"
    )
    readers = models.CharField(_("Prüf-Lesende"), max_length=300)
    checked_on = models.DateField(_("geprüft am"))
    body_hash = models.CharField(max_length=64)
    statement_hash = models.CharField(max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("eingetragen am"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eingetragen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SignOffQuerySet.as_manager()

    class Meta:
        verbose_name = _("Freigabe durch Prüf-Lesende")
        verbose_name_plural = _("Freigaben durch Prüf-Lesende")
        ordering = ("-recorded_at", "-pk")

    def __str__(self) -> str:
        return f"{self.text}: {self.checked_on:%d.%m.%Y}"


class VideoQuerySet(RestrictedQuerySet["Video"]):
    """`visible_to(user)`: inclusion.permissions.VIDEO."""


class Video(models.Model):
    """One of the four items in German Sign Language: the file (checked by ffprobe at upload),
    its captions (WebVTT) and its transcript."""

    item = models.CharField(_("Punkt"), max_length=20, choices=Item.choices, unique=True)
    # The name in STORAGES["inclusion_videos"], outside the web root.
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(_("Größe in Bytes"))
    width = models.PositiveIntegerField(_("Breite"))
    height = models.PositiveIntegerField(_("Höhe"))
    fps = models.DecimalField(_("Bilder je Sekunde"), max_digits=6, decimal_places=2)
    duration = models.DecimalField(_("Dauer in Sekunden"), max_digits=8, decimal_places=2)
    captions = models.TextField(_("Untertitel (WebVTT)"), max_length=200_000)
    transcript = models.TextField(_("Transkript"), max_length=20_000)
    uploaded_at = models.DateTimeField(_("hochgeladen am"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = VideoQuerySet.as_manager()

    class Meta:
        verbose_name = _("Video in Gebärdensprache")
        verbose_name_plural = _("Videos in Gebärdensprache")
        ordering = ("item",)
        constraints = [
            # BITV 2.0 Anlage 2: at least 320 x 240 pixels and 25 frames a second.
            models.CheckConstraint(
                condition=Q(width__gte=320, height__gte=240, fps__gte=25),
                name="inclusion_video_bitv_minimum",
            ),
            models.CheckConstraint(
                condition=Q(item__in=Item.values), name="inclusion_video_item_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} (DGS)"


class Kind(models.TextChoices):
    """What a visitor asks to have translated."""

    EASY = "leichte-sprache", _("Leichte Sprache")
    SIGN = "dgs", _("Gebärdensprache")


class RequestCountQuerySet(RestrictedQuerySet["RequestCount"]):
    """`visible_to(user)`: inclusion.permissions.REQUEST_COUNT."""


class RequestCount(models.Model):
    """How often a page was asked for in Leichte Sprache or DGS on one day; no person stored."""

    day = models.DateField(_("Tag"))
    path = models.CharField(_("Seite"), max_length=200)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    count = models.PositiveIntegerField(_("Anzahl"), default=0)

    objects = RequestCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("Wunsch nach Übersetzung")
        verbose_name_plural = _("Wünsche nach Übersetzung")
        ordering = ("-day", "path", "kind")
        constraints = [
            models.UniqueConstraint(
                fields=("day", "path", "kind"), name="inclusion_request_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="inclusion_request_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.path} {self.kind}: {self.count}"
