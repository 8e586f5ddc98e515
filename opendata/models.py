"""What ITD publishes as open data (the Transparenzportal harvests it through the DCAT-AP.de
catalog): one row per dataset, with its HmbTG category. The data themselves are never stored
here: every download reads them at request time through the scopes of an anonymous visitor
(public projects), the one money module (the programme budget) or a frozen round's snapshot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.rules import RestrictedQuerySet


class Kind(models.TextChoices):
    """What a publication publishes."""

    PROJECTS = "projects", _("Öffentliche Projekte")
    BUDGET = "budget", _("Programmbudget je Haushaltsjahr")
    STRATEGY_ROUND = "strategy_round", _("Kennzahlen einer abgeschlossenen Berichtsrunde")
    REPORT = "report", _("Budgetbericht eines Haushaltsjahres")


# Published once each: they have no subject (the portal has one portfolio, one programme budget).
SINGLE_KINDS: tuple[str, ...] = (Kind.PROJECTS, Kind.BUDGET)


class Category(models.TextChoices):
    """The categories of information of the Hamburg Transparency Act (HmbTG § 3 Abs. 1) that
    fit what the portal holds (docs/open-data.md names why each fits)."""

    BUDGET_PLANS = (
        "haushaltsplaene",
        _(
            "Haushalts-, Stellen-, Bewirtschaftungs-, Organisations-, "
            "Geschäftsverteilungs- und Aktenpläne"
        ),
    )
    STATISTICS = "statistiken", _("Amtliche Statistiken und Tätigkeitsberichte")
    STUDIES = "gutachten", _("Gutachten und Studien")


class PublicationQuerySet(RestrictedQuerySet["Publication"]):
    """`visible_to(user)`: opendata.permissions.PUBLICATION."""


class Publication(models.Model):
    """A dataset ITD has marked as published: its kind, its subject, its HmbTG category."""

    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    # The subject of a frozen round's indicators, of a chosen report; none for the single kinds.
    round = models.ForeignKey(
        "strategy.Round",
        verbose_name=_("Berichtsrunde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("Bericht"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The dataset's stable address: /open-data/<slug>.csv, .json, .csv-metadata.json
    slug = models.SlugField(_("Kurzname"), max_length=80, unique=True)
    title = models.CharField(_("Titel"), max_length=200)
    title_en = models.CharField(_("Titel (englisch)"), max_length=200, blank=True)
    description = models.TextField(_("Beschreibung"), max_length=2000)
    description_en = models.TextField(_("Beschreibung (englisch)"), max_length=2000, blank=True)
    category = models.CharField(_("Kategorie nach HmbTG"), max_length=20, choices=Category.choices)
    published_at = models.DateTimeField(_("veröffentlicht am"), default=timezone.now)
    modified_at = models.DateTimeField(_("geändert am"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("veröffentlicht von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("zurückgezogen am"), null=True, blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Veröffentlichung")
        verbose_name_plural = _("Veröffentlichungen")
        ordering = ("kind", "-published_at", "pk")
        constraints = [
            # The subject fits the kind: a round for a round, a report for a report, none else.
            models.CheckConstraint(
                condition=Q(kind=Kind.STRATEGY_ROUND, round__isnull=False, report__isnull=True)
                | Q(kind=Kind.REPORT, report__isnull=False, round__isnull=True)
                | Q(kind__in=SINGLE_KINDS, round__isnull=True, report__isnull=True),
                name="opendata_publication_subject_fits_kind",
            ),
            models.UniqueConstraint(
                fields=("kind",),
                condition=Q(kind__in=SINGLE_KINDS),
                name="opendata_publication_single_kind_once",
            ),
            models.UniqueConstraint(fields=("round",), name="opendata_publication_round_once"),
            models.UniqueConstraint(fields=("report",), name="opendata_publication_report_once"),
            models.CheckConstraint(
                condition=Q(modified_at__gte=F("published_at")),
                name="opendata_publication_modified_after_published",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("published_at")),
                name="opendata_publication_withdrawn_after_published",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="opendata_publication_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values),
                name="opendata_publication_category_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None
