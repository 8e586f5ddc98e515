"""The digital strategy above the projects: per Digital Space its goals (Ziele), their measures
(Maßnahmen) and indicators (Kennzahlen) with a baseline, a target, a path and values over time;
and the reporting rounds (Berichtsrunden) in which the authorities report and ITD reviews, each
frozen at its end into a snapshot the database refuses to change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Person
from core.choices import ChoiceLabels
from core.rules import RestrictedQuerySet
from projects.models import Project
from spaces.models import Space


class GoalQuerySet(RestrictedQuerySet["Goal"]):
    """`visible_to(user)`: strategy.permissions.GOAL."""


class Goal(models.Model):
    """A goal (Ziel) of one Digital Space's strategy."""

    space = models.ForeignKey(
        Space, verbose_name=_("Raum"), on_delete=models.PROTECT, related_name="goals"
    )
    code = models.CharField(
        _("Kürzel"), max_length=20, help_text=_("z. B. UL-1: kurz und eindeutig im Raum")
    )
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True, max_length=5000)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now, editable=False)

    objects = GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("Ziel")
        verbose_name_plural = _("Ziele")
        ordering = ("space__position", "code", "pk")
        constraints = [
            models.UniqueConstraint(fields=("space", "code"), name="strategy_goal_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("strategy:goal", args=[self.pk])


class MeasureQuerySet(RestrictedQuerySet["Measure"]):
    """`visible_to(user)`: strategy.permissions.MEASURE."""


class Measure(models.Model):
    """A measure (Maßnahme) towards a goal, led by one authority, served by projects."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("Ziel"), on_delete=models.PROTECT, related_name="measures"
    )
    code = models.CharField(_("Kürzel"), max_length=20, help_text=_("z. B. UL-1.2"))
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True, max_length=5000)
    lead_authority = models.ForeignKey(
        Authority,
        verbose_name=_("federführende Behörde"),
        on_delete=models.PROTECT,
        related_name="measures",
    )
    responsible = models.ForeignKey(
        Person,
        verbose_name=_("verantwortlich"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
        help_text=_("Eine oder ein Digitalisierungsverantwortliche/r der Behörde"),
    )
    starts_on = models.DateField(_("Beginn"))
    ends_on = models.DateField(_("Ende"))
    projects = models.ManyToManyField(
        Project, verbose_name=_("Projekte"), blank=True, related_name="measures"
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now, editable=False)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("Maßnahme")
        verbose_name_plural = _("Maßnahmen")
        ordering = ("goal__code", "code", "pk")
        constraints = [
            models.UniqueConstraint(fields=("goal", "code"), name="strategy_measure_code_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="strategy_measure_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("strategy:measure", args=[self.pk])


class Direction(models.TextChoices):
    UP = "up", _("höher ist besser")
    DOWN = "down", _("niedriger ist besser")


class IndicatorQuerySet(RestrictedQuerySet["Indicator"]):
    """`visible_to(user)`: strategy.permissions.INDICATOR."""


class Indicator(models.Model):
    """A key figure (Kennzahl) of a goal or of one of its measures: baseline, target, path."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("Ziel"), on_delete=models.PROTECT, related_name="indicators"
    )
    # Set: the indicator of this measure (of the goal above); empty: of the goal itself.
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("Maßnahme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    unit = models.CharField(_("Einheit"), max_length=40, help_text=_("z. B. %, Anzahl, Tage"))
    direction = models.CharField(
        _("Richtung"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    baseline_value = models.DecimalField(_("Ausgangswert"), max_digits=18, decimal_places=4)
    baseline_on = models.DateField(_("Stand des Ausgangswerts"))
    target_value = models.DecimalField(_("Zielwert"), max_digits=18, decimal_places=4)
    target_on = models.DateField(_("Zieldatum"))
    source = models.CharField(_("Quelle"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("Kennzahl")
        verbose_name_plural = _("Kennzahlen")
        ordering = ("goal__code", "measure__code", "name", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_on__gt=F("baseline_on")), name="strategy_indicator_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("strategy:indicator", args=[self.pk])

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.UP


class PathPoint(models.Model):
    """An intermediate target on the way from the baseline to the target (the trajectory)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="path")
    on = models.DateField(_("Datum"))
    value = models.DecimalField(_("Zwischenziel"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("Zwischenziel")
        verbose_name_plural = _("Zwischenziele")
        ordering = ("indicator", "on")
        constraints = [
            models.UniqueConstraint(fields=("indicator", "on"), name="strategy_path_point_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.on}"


class IndicatorValue(models.Model):
    """A measured value of an indicator at a date, with its source and who entered it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    on = models.DateField(_("Stichtag"))
    value = models.DecimalField(_("Wert"), max_digits=18, decimal_places=4)
    source = models.CharField(_("Quelle"), max_length=200, blank=True)
    comment = models.CharField(_("Kommentar"), max_length=1000, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erfasst von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("erfasst am"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Messwert")
        verbose_name_plural = _("Messwerte")
        ordering = ("indicator", "on", "pk")
        constraints = [
            models.UniqueConstraint(fields=("indicator", "on"), name="strategy_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.on}"


# --- Reporting rounds ---------------------------------------------------------------------------


class RoundQuerySet(RestrictedQuerySet["Round"]):
    """`visible_to(user)`: strategy.permissions.ROUND."""


class Round(models.Model):
    """A reporting round (Berichtsrunde): ITD opens it for some spaces; the officers report per
    measure; ITD freezes it into a snapshot that can never change (a database trigger)."""

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        FROZEN = "frozen", _("abgeschlossen (eingefroren)")

    name = models.CharField(_("Name"), max_length=200, unique=True)
    period_start = models.DateField(_("Berichtszeitraum von"))
    period_end = models.DateField(_("Berichtszeitraum bis"))
    deadline = models.DateField(_("Abgabefrist"))
    spaces = models.ManyToManyField(Space, verbose_name=_("Räume"), related_name="rounds")
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eröffnet von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("eröffnet am"), default=timezone.now, editable=False)
    frozen_at = models.DateTimeField(_("eingefroren am"), null=True, blank=True, editable=False)
    # Accounts are anonymised, never deleted (contacts.privacy): the link shows the name as
    # it is now, and a frozen round never needs to change for a deletion.
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eingefroren von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What was reported, as it stood at the freeze (strategy.snapshots), and its SHA-256
    # chained to the previous frozen round's: a changed snapshot or a dropped round shows.
    snapshot = models.JSONField(_("Stand"), null=True, blank=True, editable=False)
    digest = models.CharField(_("Prüfsumme"), max_length=64, blank=True, editable=False)
    previous_digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("Berichtsrunde")
        verbose_name_plural = _("Berichtsrunden")
        ordering = ("-period_end", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="strategy_round_period"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("period_start")), name="strategy_round_deadline"
            ),
            models.CheckConstraint(
                condition=Q(status="open", frozen_at__isnull=True)
                | Q(status="frozen", frozen_at__isnull=False),
                name="strategy_round_frozen_at",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("strategy:round", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FROZEN


class Rating(models.TextChoices):
    """The five-step completion scale (as the Open Government Partnership reviews)."""

    NO_EVIDENCE = "no_evidence", _("keine Angaben möglich")
    NOT_STARTED = "not_started", _("nicht begonnen")
    LIMITED = "limited", _("begrenzt umgesetzt")
    SUBSTANTIAL = "substantial", _("weitgehend umgesetzt")
    COMPLETE = "complete", _("vollständig umgesetzt")


RATING_ORDER = {rating: number for number, rating in enumerate(Rating.values)}


class Light(models.TextChoices):
    GREEN = "green", _("grün")
    AMBER = "amber", _("gelb")
    RED = "red", _("rot")


class SubmissionQuerySet(RestrictedQuerySet["Submission"]):
    """`visible_to(user)`: strategy.permissions.SUBMISSION."""


class Submission(ChoiceLabels, models.Model):
    """An authority's report on one measure in one round, and ITD's review of it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        SUBMITTED = "submitted", _("eingereicht")
        RETURNED = "returned", _("zurückgegeben")
        ACCEPTED = "accepted", _("angenommen")

    round = models.ForeignKey(
        Round, verbose_name=_("Berichtsrunde"), on_delete=models.PROTECT, related_name="submissions"
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("Maßnahme"), on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    rating = models.CharField(
        _("Umsetzungsstand (Selbsteinschätzung)"),
        max_length=12,
        choices=Rating.choices,
        blank=True,
    )
    light = models.CharField(_("Ampel"), max_length=5, choices=Light.choices, blank=True)
    text = models.TextField(_("Bericht"), blank=True, max_length=10000)
    submitted_at = models.DateTimeField(_("eingereicht am"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eingereicht von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late = models.BooleanField(_("nach der Frist"), default=False)
    review_comment = models.TextField(_("Anmerkung der Prüfung"), blank=True, max_length=5000)
    # ITD's own rating on the same scale, beside the self-assessment (disagreements show).
    itd_rating = models.CharField(
        _("Umsetzungsstand (Einschätzung ITD)"),
        max_length=12,
        choices=Rating.choices,
        blank=True,
    )
    coordinator_note = models.TextField(
        _("Anmerkung der Raumkoordination"), blank=True, max_length=5000
    )
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now, editable=False)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Meldung")
        verbose_name_plural = _("Meldungen")
        ordering = ("round", "measure__goal__code", "measure__code")
        constraints = [
            models.UniqueConstraint(fields=("round", "measure"), name="strategy_submission_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.measure}"

    def get_absolute_url(self) -> str:
        return reverse("strategy:submission", args=[self.pk])

    @property
    def ratings_differ(self) -> bool:
        return bool(self.rating and self.itd_rating and self.rating != self.itd_rating)


class SubmittedValue(models.Model):
    """The new value of one indicator reported in a submission."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="reported_values"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("Stichtag"))
    value = models.DecimalField(_("Wert"), max_digits=18, decimal_places=4)
    comment = models.CharField(_("Kommentar"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("gemeldeter Wert")
        verbose_name_plural = _("gemeldete Werte")
        constraints = [
            models.UniqueConstraint(
                fields=("submission", "indicator"), name="strategy_submitted_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission}: {self.indicator}"
