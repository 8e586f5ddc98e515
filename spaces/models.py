from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Organisation, Person
from core.models import LocalizedNameMixin
from core.rules import RestrictedQuerySet
from core.timebox import TimeBoxed, TimeBoxedQuerySet


class SpaceQuerySet(RestrictedQuerySet["Space"]):
    """`visible_to(user)`: the seven spaces are public (spaces.permissions.SPACE)."""


class Space(LocalizedNameMixin, models.Model):
    """One of the seven Digital Spaces (Digitale Räume) of Hamburg's digital strategy."""

    slug = models.SlugField(_("Kurzname"), max_length=60, unique=True)
    name_de = models.CharField(_("Name (deutsch)"), max_length=120)
    name_en = models.CharField(_("Name (englisch)"), max_length=120, blank=True)
    description_de = models.TextField(_("Beschreibung (deutsch)"), blank=True)
    description_en = models.TextField(_("Beschreibung (englisch)"), blank=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("Digitaler Raum")
        verbose_name_plural = _("Digitale Räume")
        ordering = ("position", "slug")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("spaces:detail", kwargs={"slug": self.slug})

    @property
    def description(self) -> str:
        if (get_language() or "de").startswith("en") and self.description_en:
            return self.description_en
        return self.description_de


class MembershipQuerySet(TimeBoxedQuerySet["Membership"]):
    """`visible_to(user)`: every membership of the spaces whose members the user may see
    (current and former; add `.active()` for those in the space today)."""


class Membership(TimeBoxed):
    """A person's place in a space: coordinator, member or guest, for a period."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Koordination")
        MEMBER = "member", _("Mitglied")
        GUEST = "guest", _("Gast")

    person = models.ForeignKey(
        Person, verbose_name=_("Person"), on_delete=models.PROTECT, related_name="memberships"
    )
    space = models.ForeignKey(
        Space, verbose_name=_("Raum"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("vertritt Behörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("vertritt Organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    # since, until, ended_at (core.timebox): a person has at most one membership per space that
    # is not ended; the database enforces it.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eingeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        ordering = ("space__position", "role", "person__user__last_name")
        constraints = [
            models.UniqueConstraint(
                fields=("person", "space"),
                condition=Q(ended_at__isnull=True),
                name="membership_one_open_per_person_and_space",
                violation_error_message=_("Diese Person ist bereits Mitglied dieses Raums."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="membership_until_after_since",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
            models.CheckConstraint(
                condition=~Q(role="guest") | Q(until__isnull=False),
                name="membership_guest_has_end",
                violation_error_message=_("Ein Gastzugang braucht immer ein Enddatum."),
            ),
            models.CheckConstraint(
                condition=~Q(role="guest") | Q(authority__isnull=True),
                name="membership_guest_represents_no_authority",
                violation_error_message=_(
                    "Gäste sind immer externe Partner und vertreten keine Behörde."
                ),
            ),
            models.CheckConstraint(
                condition=Q(authority__isnull=True) | Q(organisation__isnull=True),
                name="membership_represents_one",
                violation_error_message=_(
                    "Eine Mitgliedschaft vertritt entweder eine Behörde oder eine Organisation."
                ),
            ),
        ]
        # The newest members of a space (its news), in the order they are shown.
        indexes = [
            models.Index(fields=("space", "-created_at", "-id"), name="membership_newest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.space} ({self.get_role_display()})"

    @property
    def represents(self) -> Authority | Organisation | None:
        return self.authority or self.organisation
