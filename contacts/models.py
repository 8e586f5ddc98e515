from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.dates import validate_plausible_date


def today() -> dt.date:
    return timezone.localdate()


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

    username = None
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    is_itd_staff = models.BooleanField(
        _("ITD-Mitarbeitende/r"),
        default=False,
        help_text=_(
            "Steuert die Strategie: sieht und verwaltet alle Räume, Behörden und Projekte."
        ),
    )
    # Set when the account was created by accepting an invitation: its access then comes only
    # from its memberships and invitations, and ends with them (security audit, finding 3).
    invited_account = models.BooleanField(
        _("Zugang nur über Einladungen"),
        default=False,
        help_text=_("Das Konto entstand durch eine Einladung; es endet mit deren Zugängen."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("Konto")
        verbose_name_plural = _("Konten")
        ordering = ("last_name", "first_name", "email")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class LocalizedNameMixin:
    """`name` and `description` in the active language, falling back to German."""

    name_de: str
    name_en: str

    @property
    def name(self) -> str:
        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name_de


class AuthorityQuerySet(models.QuerySet["Authority"]):
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


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user) -> PersonQuerySet:
        from .permissions import Audience, audience

        kind = audience(user)
        qs = self.filter(user__is_active=True)
        if kind in (Audience.ITD, Audience.INTERNAL):
            return qs
        if kind == Audience.EXTERNAL:
            from spaces.models import Membership

            own_spaces = Membership.objects.active().filter(person__user=user).values("space_id")
            shared = Membership.objects.active().filter(space_id__in=own_spaces).values("person_id")
            return qs.filter(Q(pk__in=shared) | Q(user=user))
        return self.none()


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


class DigitalOfficerQuerySet(models.QuerySet["DigitalOfficer"]):
    def active(self, on: dt.date | None = None) -> DigitalOfficerQuerySet:
        on = on or today()
        return self.filter(since__lte=on).filter(Q(until__isnull=True) | Q(until__gte=on))


class DigitalOfficer(models.Model):
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
    since = models.DateField(_("seit"), default=today, validators=[validate_plausible_date])
    until = models.DateField(_("bis"), null=True, blank=True, validators=[validate_plausible_date])

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
                condition=Q(until__isnull=True),
                name="officer_one_open_role_per_authority",
                violation_error_message=_("Diese Person ist für diese Behörde bereits benannt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}, {self.authority.code}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def visible_to(self, user) -> InvitationQuerySet:
        """ITD sees every invitation; a coordinator those of the spaces they coordinate."""
        from spaces.permissions import coordinated_space_ids

        from .permissions import Audience, audience

        kind = audience(user)
        if kind == Audience.ITD:
            return self.all()
        if kind == Audience.INTERNAL:
            # Invitations to single projects are ITD's.
            return self.filter(space_id__in=coordinated_space_ids(user), project__isnull=True)
        return self.none()

    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An e-mail invitation into a space for a limited time, accepted once with a secret link."""

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        ACCEPTED = "accepted", _("angenommen")
        EXPIRED = "expired", _("abgelaufen")
        REVOKED = "revoked", _("widerrufen")

    email = models.EmailField(_("E-Mail-Adresse"))
    first_name = models.CharField(_("Vorname"), max_length=150, blank=True)
    last_name = models.CharField(_("Nachname"), max_length=150, blank=True)
    # An invitation leads into one space, or (ITD only) as a guest into a single project.
    space = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("Raum"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("Projekt"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    role = models.CharField(_("Rolle"), max_length=20, default="guest")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("Behörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.TextField(_("Nachricht"), max_length=2000, blank=True)
    until = models.DateField(_("Zugang bis"))
    # Only the SHA-256 of the secret link's token is stored: a copy of the database opens nothing.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("Link gültig bis"))
    sent_at = models.DateTimeField(_("zuletzt gesendet"), null=True, blank=True)
    invited_by = models.ForeignKey(
        "contacts.User",
        verbose_name=_("eingeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    accepted_at = models.DateTimeField(_("angenommen am"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        "contacts.User",
        verbose_name=_("angenommen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )
    membership = models.ForeignKey(
        "spaces.Membership",
        verbose_name=_("Mitgliedschaft"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    project_guest = models.ForeignKey(
        "projects.ProjectGuest",
        verbose_name=_("Projektgast"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "contacts.User",
        verbose_name=_("widerrufen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=("guest", "member", "coordinator")),
                name="invitation_role_known",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=(Q(space__isnull=False) & Q(project__isnull=True))
                | (Q(space__isnull=True) & Q(project__isnull=False) & Q(role="guest")),
                name="invitation_space_or_project_guest",
                violation_error_message=_(
                    "Eine Einladung führt in einen Raum oder als Gast in ein Projekt."
                ),
            ),
            models.CheckConstraint(
                condition=Q(authority__isnull=True) | Q(organisation__isnull=True),
                name="invitation_authority_or_organisation",
                violation_error_message=_(
                    "Eine Person gehört entweder zu einer Behörde oder zu einer Organisation."
                ),
            ),
        ]
        indexes = [models.Index(fields=("email",), name="invitation_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} → {self.target}"

    @property
    def target(self):
        """The space or the project the invitation leads into."""
        return self.project if self.project_id else self.space

    @property
    def access(self):
        """The membership or project guest access created on acceptance (None before)."""
        return self.project_guest if self.project_id else self.membership

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now() or self.until < today():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    def get_role_display(self) -> str:
        from spaces.models import Membership

        return str(Membership.Role(self.role).label)
