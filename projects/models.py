"""Projects of the strategy and their budget in full costs (Vollkosten gemäß Haushaltsordnung)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Organisation, Person
from core.choices import ChoiceLabels
from core.dates import today, validate_plausible_date, year_validators
from core.reference import reference
from core.rules import RestrictedQuerySet
from core.timebox import TimeBoxed, TimeBoxedQuerySet
from spaces.models import Space

CENT = Decimal("0.01")
NOT_NEGATIVE = MinValueValidator(Decimal("0"), message=_("Der Betrag darf nicht negativ sein."))


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        validators=[NOT_NEGATIVE],
        **kwargs,
    )


# Part of the address: lower-case letters, digits and single hyphens between them.
SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    message=_(
        "Nur Kleinbuchstaben (a–z), Ziffern und Bindestriche zwischen ihnen, z. B. "
        "digitaler-bauantrag."
    ),
    code="invalid_slug",
)

SLUG_MAX_LENGTH = 80

# Addresses under /projects/ that are pages, not projects.
RESERVED_SLUGS = frozenset({"new", "cost-rates", "programme-budget", "budget-lines"})


class ProjectQuerySet(RestrictedQuerySet["Project"]):
    """`visible_to(user)` and `restrict(user, action)`: projects.permissions.PROJECT."""


class Project(ChoiceLabels, models.Model):
    """A project of the digital strategy, carried by one primary Digital Space."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idee")
        PLANNED = "planned", _("geplant")
        IN_PROGRESS = "in_progress", _("in Umsetzung")
        ON_HOLD = "on_hold", _("pausiert")
        COMPLETED = "completed", _("abgeschlossen")
        STOPPED = "stopped", _("eingestellt")

    class Health(models.TextChoices):
        GREEN = "green", _("grün")
        AMBER = "amber", _("gelb")
        RED = "red", _("rot")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("öffentlich")
        INTERNAL = "internal", _("intern (Verwaltung)")
        RESTRICTED = "restricted", _("eingeschränkt (Beteiligte)")

    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(
        _("Kurzname"),
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        validators=[SLUG_VALIDATOR],
        error_messages={"unique": _("Dieser Kurzname ist bereits vergeben.")},
        help_text=_("Teil der Adresse, z. B. digitaler-bauantrag; nur Kleinbuchstaben, Ziffern, -"),
    )
    summary = models.CharField(_("Kurzbeschreibung"), max_length=300, blank=True)
    description = models.TextField(_("Beschreibung"), max_length=10000, blank=True)
    primary_space = models.ForeignKey(
        Space,
        verbose_name=_("Digitaler Raum (federführend)"),
        on_delete=models.PROTECT,
        related_name="primary_projects",
    )
    spaces = models.ManyToManyField(
        Space, verbose_name=_("weitere Räume"), blank=True, related_name="further_projects"
    )
    lead_authority = models.ForeignKey(
        Authority,
        verbose_name=_("federführende Behörde"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    participating_authorities = models.ManyToManyField(
        Authority,
        verbose_name=_("beteiligte Behörden"),
        blank=True,
        related_name="participating_projects",
    )
    partner_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("Partnerorganisationen"), blank=True, related_name="projects"
    )
    contact_persons = models.ManyToManyField(
        Person, verbose_name=_("Ansprechpersonen"), blank=True, related_name="contact_for_projects"
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.IDEA, db_index=True
    )
    status_changed_on = models.DateField(_("Status seit"), default=today)
    health = models.CharField(
        _("Ampel"), max_length=10, choices=Health.choices, default=Health.GREEN, db_index=True
    )
    health_reason = models.TextField(
        _("Begründung der Ampel"),
        max_length=2000,
        blank=True,
        help_text=_("Pflicht bei gelb oder rot."),
    )
    start = models.DateField(_("Beginn"), validators=[validate_plausible_date])
    end = models.DateField(_("Ende"), validators=[validate_plausible_date])
    visibility = models.CharField(
        _("Sichtbarkeit"),
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
        db_index=True,
    )
    # Optimistic locking: every save increments it; an edit based on an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("Projekt")
        verbose_name_plural = _("Projekte")
        ordering = ("title", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="project_end_after_start",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
            models.CheckConstraint(
                condition=Q(health="green") | ~Q(health_reason=""),
                name="project_health_reason_unless_green",
                violation_error_message=_("Bei gelb oder rot ist eine Begründung Pflicht."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        errors = {}
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = _("Dieser Kurzname ist für eine Seite des Portals reserviert.")
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("Das Ende darf nicht vor dem Beginn liegen.")
        if self.health != self.Health.GREEN and not (self.health_reason or "").strip():
            errors["health_reason"] = _("Bei gelb oder rot ist eine Begründung Pflicht.")
        if errors:
            raise ValidationError(errors)

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)


class Milestone(models.Model):
    """A milestone of a project: due date and, once reached, the date it was done."""

    project = models.ForeignKey(
        Project, verbose_name=_("Projekt"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("Meilenstein"), max_length=200)
    due = models.DateField(_("fällig am"), validators=[validate_plausible_date])
    done = models.DateField(
        _("erreicht am"), null=True, blank=True, validators=[validate_plausible_date]
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Meilenstein")
        verbose_name_plural = _("Meilensteine")
        ordering = ("due", "pk")
        indexes = [models.Index(fields=("due",), name="milestone_due_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.done is None and self.due < today()


class ProjectLink(models.Model):
    """A link to more about a project: a website, a repository, a publication."""

    project = models.ForeignKey(
        Project, verbose_name=_("Projekt"), on_delete=models.CASCADE, related_name="links"
    )
    title = models.CharField(_("Titel"), max_length=200)
    url = models.URLField(_("Adresse"), max_length=500)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Link")
        verbose_name_plural = _("Links")
        ordering = ("title", "pk")

    def __str__(self) -> str:
        return self.title


class ProjectGuestQuerySet(TimeBoxedQuerySet["ProjectGuest"]):
    pass


class ProjectGuest(TimeBoxed):
    """An external partner invited to one project, always for a limited time."""

    project = models.ForeignKey(
        Project, verbose_name=_("Projekt"), on_delete=models.CASCADE, related_name="guests"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("Person"), on_delete=models.PROTECT, related_name="project_guests"
    )
    # since, ended_at: core.timebox; a guest's access always has an end.
    until = models.DateField(_("bis"), validators=[validate_plausible_date])
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eingeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProjectGuestQuerySet.as_manager()

    class Meta:
        verbose_name = _("Projektgast")
        verbose_name_plural = _("Projektgäste")
        ordering = ("project", "until")
        constraints = [
            models.UniqueConstraint(
                fields=("person", "project"),
                condition=Q(ended_at__isnull=True),
                name="project_guest_one_open_per_person",
                violation_error_message=_("Diese Person ist bereits Gast dieses Projekts."),
            ),
            models.CheckConstraint(
                condition=Q(until__gte=models.F("since")),
                name="project_guest_until_after_since",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.project}"


# --- Budget -----------------------------------------------------------------------------------


def double_budget_label(year: int) -> str:
    """Hamburg's double budgets start in odd years: 2025 and 2026 belong to 2025/2026."""
    first = year if year % 2 == 1 else year - 1
    return f"{first}/{first + 1}"


class FiscalYear(models.Model):
    """A fiscal year (Haushaltsjahr = calendar year); closed years are no longer recomputed."""

    year = models.PositiveSmallIntegerField(
        _("Haushaltsjahr"), unique=True, validators=year_validators()
    )
    double_budget = models.CharField(
        _("Doppelhaushalt"), max_length=9, blank=True, help_text=_("z. B. 2025/2026")
    )
    closed = models.BooleanField(
        _("abgeschlossen"),
        default=False,
        help_text=_("Abgeschlossene Jahre werden bei neuen Kostensätzen nicht neu berechnet."),
    )

    class Meta:
        verbose_name = _("Haushaltsjahr")
        verbose_name_plural = _("Haushaltsjahre")
        ordering = ("year",)

    def __str__(self) -> str:
        return str(self.year)

    def save(self, *args, **kwargs):
        if not self.double_budget:
            self.double_budget = double_budget_label(self.year)
        super().save(*args, **kwargs)


class CostCategory(models.Model):
    """A cost category of the full-cost budget (Personalkosten, Sachkosten, ...)."""

    code = models.SlugField(_("Kürzel"), max_length=30, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=120)
    name_en = models.CharField(_("Bezeichnung (englisch)"), max_length=120, blank=True)
    is_personnel = models.BooleanField(
        _("Personalkosten"),
        default=False,
        help_text=_(
            "Zeilen dieser Kategorie können als VZÄ × Entgeltgruppe × Monate erfasst werden."
        ),
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Kostenart")
        verbose_name_plural = _("Kostenarten")
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (English where there is one), else German."""
        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class FundingSource(models.Model):
    """Where the money comes from: the ITD strategy budget, own funds, federal or EU funds."""

    code = models.SlugField(_("Kürzel"), max_length=30, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=120)
    name_en = models.CharField(_("Bezeichnung (englisch)"), max_length=120, blank=True)
    is_programme = models.BooleanField(
        _("Programmbudget"),
        default=False,
        help_text=_("Zeilen aus dieser Quelle zählen gegen das Programmbudget der Strategie."),
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Finanzierungsquelle")
        verbose_name_plural = _("Finanzierungsquellen")
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (English where there is one), else German."""
        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class CostRate(models.Model):
    """Annual full cost of one FTE of a pay grade, incl. workplace and overhead surcharge."""

    fiscal_year = models.ForeignKey(
        FiscalYear,
        verbose_name=_("Haushaltsjahr"),
        on_delete=models.PROTECT,
        related_name="cost_rates",
    )
    pay_grade = models.CharField(_("Entgelt-/Besoldungsgruppe"), max_length=20)
    annual_full_cost = money_field(
        _("Vollkosten je VZÄ und Jahr"),
        help_text=_("inklusive Arbeitsplatzkosten und Gemeinkostenzuschlag"),
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Kostensatz")
        verbose_name_plural = _("Kostensätze")
        ordering = ("fiscal_year__year", "pay_grade")
        constraints = [
            models.UniqueConstraint(
                fields=("fiscal_year", "pay_grade"),
                name="cost_rate_one_per_year_and_grade",
                violation_error_message=_(
                    "Für dieses Jahr und diese Gruppe gibt es schon einen Satz."
                ),
            ),
            models.CheckConstraint(
                condition=Q(annual_full_cost__gte=0),
                name="cost_rate_not_negative",
                violation_error_message=_("Der Betrag darf nicht negativ sein."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.pay_grade}"


def personnel_amount(*, fte: Decimal, months: int, annual_full_cost: Decimal) -> Decimal:
    """FTE × annual full cost × months / 12, to the cent (commercial rounding)."""
    return (fte * annual_full_cost * Decimal(months) / Decimal(12)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


BUDGET_LINE_DESCRIPTION_MAX_LENGTH = 100


class BudgetLine(models.Model):
    """Project × fiscal year × cost category × funding source: plan, revised, committed, actual.

    Several lines may share year, category and source (two teams paid from the same funds, two
    pay grades): each then has its own description, which tells them apart on the page, in the
    exports and in the audit trail. A line alone with its key needs none.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("Projekt"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    fiscal_year = models.ForeignKey(
        FiscalYear,
        verbose_name=_("Haushaltsjahr"),
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    category = models.ForeignKey(
        CostCategory, verbose_name=_("Kostenart"), on_delete=models.PROTECT, related_name="+"
    )
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name=_("Finanzierungsquelle"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(
        _("Bezeichnung"),
        max_length=BUDGET_LINE_DESCRIPTION_MAX_LENGTH,
        blank=True,
        help_text=_(
            "Unterscheidet Zeilen derselben Kostenart und Quelle, z. B. „E 13 Team Plattform“; "
            "Pflicht, sobald es mehrere solche Zeilen gibt."
        ),
    )
    einzelplan = models.CharField(_("Einzelplan"), max_length=10, blank=True)
    aufgabenbereich = models.CharField(_("Aufgabenbereich"), max_length=20, blank=True)
    produktgruppe = models.CharField(_("Produktgruppe"), max_length=20, blank=True)
    planned = money_field(_("Plan"), default=Decimal("0"))
    revised = money_field(_("fortgeschriebener Plan"), default=Decimal("0"))
    committed = money_field(_("gebunden"), default=Decimal("0"))
    actual = money_field(_("Ist"), default=Decimal("0"))
    note = models.CharField(_("Bemerkung"), max_length=300, blank=True)
    # Personnel in full costs: FTE × pay grade × months, converted with the cost-rate table.
    fte = models.DecimalField(
        _("VZÄ"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"), message=_("VZÄ müssen größer als 0 sein."))],
    )
    pay_grade = models.CharField(_("Entgeltgruppe"), max_length=20, blank=True)
    months = models.PositiveSmallIntegerField(
        _("Monate"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message=_("Mindestens 1 Monat.")),
            MaxValueValidator(12, message=_("Höchstens 12 Monate.")),
        ],
    )
    cost_rate = models.ForeignKey(
        CostRate,
        verbose_name=_("Kostensatz"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Budgetzeile")
        verbose_name_plural = _("Budgetzeilen")
        ordering = ("fiscal_year__year", "category__position", "funding_source__position", "pk")
        constraints = [
            # Lines that share year, category and source differ in their description (the
            # service also requires one on each of them; a constraint cannot count rows).
            models.UniqueConstraint(
                fields=("project", "fiscal_year", "category", "funding_source", "description"),
                name="budget_line_unique_per_key_and_description",
                violation_error_message=_(
                    "Für dieses Jahr gibt es bereits eine Zeile mit dieser Kostenart, Quelle und "
                    "Bezeichnung."
                ),
            ),
            models.CheckConstraint(
                condition=Q(planned__gte=0)
                & Q(revised__gte=0)
                & Q(committed__gte=0)
                & Q(actual__gte=0),
                name="budget_line_amounts_not_negative",
                violation_error_message=_("Beträge dürfen nicht negativ sein."),
            ),
            models.CheckConstraint(
                condition=Q(fte__isnull=True)
                | (Q(fte__gt=0) & ~Q(pay_grade="") & Q(months__gte=1) & Q(months__lte=12)),
                name="budget_line_personnel_basis_complete",
                violation_error_message=_(
                    "Für Personal in Vollkosten sind VZÄ, Entgeltgruppe und Monate nötig."
                ),
            ),
        ]
        indexes = [models.Index(fields=("fiscal_year", "project"), name="budget_line_year_idx")]

    def __str__(self) -> str:
        """'2026 · Personalkosten · Eigenmittel der Behörde · E 13 Team Plattform': the name the
        audit trail keeps, so each of several lines with the same key is named distinctly."""
        name = (
            f"{self.fiscal_year_id and self.fiscal_year} · {self.category} · {self.funding_source}"
        )
        return f"{name} · {self.description}" if self.description else name

    @property
    def is_personnel_basis(self) -> bool:
        return self.fte is not None

    @property
    def over_budget(self) -> bool:
        return self.actual > self.revised or self.committed > self.revised

    @property
    def remaining(self) -> Decimal:
        return self.revised - self.committed - self.actual


class ProgrammeBudget(models.Model):
    """The strategy's programme budget that ITD staff set; one row."""

    amount = money_field(_("Programmbudget"))
    note = models.CharField(_("Bemerkung"), max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Programmbudget")
        verbose_name_plural = _("Programmbudget")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="programme_budget_not_negative",
                violation_error_message=_("Der Betrag darf nicht negativ sein."),
            )
        ]

    def __str__(self) -> str:
        return str(self.amount)

    @classmethod
    def current(cls) -> ProgrammeBudget:
        budget = cls.objects.order_by("pk").first()
        if budget is None:
            budget = cls.objects.create(
                amount=Decimal(reference()["strategy"]["programme_budget_eur"])
            )
        return budget


class BudgetSummary(models.Model):
    """The sums of a project's budget lines in one fiscal year, all sources and the programme's.

    Kept by the database, not by Python: triggers on the line table (migration 0006) add each
    statement's change in the same transaction, for every path that writes lines (the services,
    the cascade when a project is deleted, bulk loads, the admin). A row exists while the
    project has lines in that year. Read by `projects.selectors.money` only.
    """

    project = models.ForeignKey(
        Project, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    line_count = models.IntegerField(default=0)
    planned = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    revised = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    committed = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    actual = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    # The share from funding sources that count against the programme budget.
    programme_planned = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    programme_revised = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    programme_committed = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    programme_actual = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("Budgetsumme")
        verbose_name_plural = _("Budgetsummen")
        constraints = [
            models.UniqueConstraint(
                fields=("project", "fiscal_year"), name="budget_summary_one_per_project_year"
            )
        ]
        indexes = [models.Index(fields=("fiscal_year",), name="budget_summary_year_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.fiscal_year_id}"


class BudgetVersion(models.Model):
    """One row whose `counter` changes in the same transaction as every write to budget lines,
    funding sources or the programme budget (triggers, migration 0006): the key under which
    exact roll-ups may be cached. Taken from a sequence, so it never repeats."""

    counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("Budgetstand")
        verbose_name_plural = _("Budgetstände")

    def __str__(self) -> str:
        return str(self.counter)
