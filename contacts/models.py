from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.dates import today
from core.models import LocalizedNameMixin
from core.rules import RestrictedQuerySet
from core.timebox import TimeBoxed, TimeBoxedQuerySet


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        # The admin is ITD's tool: a superuser is always ITD staff.
        extra.update(is_staff=True, is_superuser=True, is_itd_staff=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account: signs in with its e-mail address."""

    # Django's way to drop an inherited field; the stubs type the field as always present.
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    is_itd_staff = models.BooleanField(
        _("ITD-Mitarbeitende/r"),
        default=False,
        help_text=_(
            "Steuert die Strategie: sieht und verwaltet alle Räume, Behörden und Projekte."
        ),
    )
    # The language of the e-mails the portal sends to this account (the pages follow the
    # language switch).
    language = models.CharField(
        _("Sprache der E-Mails"),
        max_length=10,
        choices=[("de", _("Deutsch")), ("en", _("Englisch"))],
        default="de",
    )
    # Set when the account was created by accepting an invitation: its access then comes only
    # from its memberships and invitations, and ends with them (security audit, finding 3).
    invited_account = models.BooleanField(
        _("Zugang nur über Einladungen"),
        default=False,
        help_text=_("Das Konto entstand durch eine Einladung; es endet mit deren Zugängen."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Signs up by e-mail address: not auth's UserManager (by user name), which the stubs expect.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Konto")
        verbose_name_plural = _("Konten")
        ordering = ("last_name", "first_name", "email")
        # Lists of people sorted by name (the directory, a space's members) read the first page
        # in this order instead of sorting everyone.
        indexes = [
            models.Index(fields=("last_name", "first_name", "id"), name="user_name_idx"),
            # The few accounts that are not active (selectors.with_active_account).
            models.Index(fields=("id",), name="user_inactive_idx", condition=Q(is_active=False)),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class AuthorityQuerySet(RestrictedQuerySet["Authority"]):
    def current(self, on: dt.date | None = None) -> AuthorityQuerySet:
        on = on or today()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class Authority(LocalizedNameMixin, models.Model):
    """A public body of Hamburg: Behörde, Bezirksamt, Senatskanzlei or one of their offices."""

    class Kind(models.TextChoices):
        SENATE_CHANCELLERY = "senate_chancellery", _("Senatskanzlei")
        MINISTRY = "ministry", _("Fachbehörde")
        DISTRICT_OFFICE = "district_office", _("Bezirksamt")
        OFFICE = "office", _("Amt / Organisationseinheit")
        OTHER = "other", _("Sonstige öffentliche Stelle")

    code = models.SlugField(_("Kürzel"), max_length=30, unique=True)
    name_de = models.CharField(_("Name (deutsch)"), max_length=200)
    name_en = models.CharField(_("Name (englisch)"), max_length=200, blank=True)
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("übergeordnete Stelle"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    valid_from = models.DateField(_("gültig ab"), null=True, blank=True)
    valid_until = models.DateField(_("gültig bis"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self",
        verbose_name=_("Vorgänger"),
        symmetrical=False,
        blank=True,
        related_name="successors",
    )

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        verbose_name = _("Behörde")
        verbose_name_plural = _("Behörden")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="authority_valid_until_after_from",
                violation_error_message=_("„Gültig bis“ darf nicht vor „gültig ab“ liegen."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        on = today()
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or self.valid_until >= on
        )


class Organisation(models.Model):
    """An external partner: university, company, association or another public body."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("Hochschule / Forschung")
        COMPANY = "company", _("Unternehmen")
        ASSOCIATION = "association", _("Verband / Verein / Zivilgesellschaft")
        PUBLIC_BODY = "public_body", _("andere öffentliche Stelle")
        OTHER = "other", _("Sonstige")

    name = models.CharField(_("Name"), max_length=200, unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    website = models.URLField(_("Website"), blank=True)

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(RestrictedQuerySet["Person"]):
    """`visible_to(user)` and `restrict(user, action)` from contacts.permissions.PERSON."""


class Person(models.Model):
    """The profile of an account: function, phone, where the person works, what others see."""

    user = models.OneToOneField(
        "contacts.User", verbose_name=_("Konto"), on_delete=models.CASCADE, related_name="person"
    )
    function = models.CharField(_("Funktion"), max_length=200, blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("Behörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    # Staff of the administration always see e-mail and phone of contact persons. Guests
    # (external partners) see them only where the person opted in.
    email_visible_to_guests = models.BooleanField(_("E-Mail für Gäste sichtbar"), default=False)
    phone_visible_to_guests = models.BooleanField(_("Telefon für Gäste sichtbar"), default=False)
    # Citizens (not signed in) see a contact person of a public project only with this consent.
    named_publicly = models.BooleanField(
        _("Name öffentlich nennen"),
        default=False,
        help_text=_(
            "Als Ansprechperson öffentlicher Projekte sehen auch Besucherinnen und Besucher ohne "
            "Anmeldung Ihren Namen und Ihre Funktion (nie E-Mail oder Telefon)."
        ),
    )
    # When the person accepted the terms of use and took note of the privacy notice (invitation).
    terms_accepted_at = models.DateTimeField(
        _("Nutzungsbedingungen akzeptiert am"), null=True, blank=True
    )
    privacy_accepted_at = models.DateTimeField(
        _("Datenschutzhinweise zur Kenntnis genommen am"), null=True, blank=True
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("Person")
        verbose_name_plural = _("Personen")
        ordering = ("user__last_name", "user__first_name")
        constraints = [
            models.CheckConstraint(
                condition=Q(authority__isnull=True) | Q(organisation__isnull=True),
                name="person_authority_or_organisation",
                violation_error_message=_(
                    "Eine Person gehört entweder zu einer Behörde oder zu einer Organisation."
                ),
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def name(self) -> str:
        return str(self.user)

    @property
    def affiliation(self) -> Authority | Organisation | None:
        return self.authority or self.organisation


class DigitalOfficerQuerySet(TimeBoxedQuerySet["DigitalOfficer"]):
    pass


class DigitalOfficer(TimeBoxed):
    """A person named by an authority to coordinate its part of the strategy."""

    class Role(models.TextChoices):
        PRINCIPAL = "principal", _("Digitalisierungsverantwortliche/r")
        DEPUTY = "deputy", _("Stellvertretung")

    person = models.ForeignKey(
        Person, verbose_name=_("Person"), on_delete=models.PROTECT, related_name="officer_roles"
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("Behörde"), on_delete=models.PROTECT, related_name="officers"
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.PRINCIPAL)
    # since, until, ended_at: core.timebox.

    objects = DigitalOfficerQuerySet.as_manager()

    class Meta:
        verbose_name = _("Digitalisierungsverantwortliche/r")
        verbose_name_plural = _("Digitalisierungsverantwortliche")
        ordering = ("authority__code", "role", "since")
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="officer_until_after_since",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
            models.UniqueConstraint(
                fields=("person", "authority"),
                condition=Q(ended_at__isnull=True),
                name="officer_one_open_role_per_authority",
                violation_error_message=_("Diese Person ist für diese Behörde bereits benannt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}, {self.authority.code}"
