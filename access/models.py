"""Access by invitation: an e-mail invitation into a space, or (ITD) into one project."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Organisation
from core.dates import validate_plausible_date
from core.timebox import TimeBoxed, TimeBoxedQuerySet
from spaces.models import Membership

if TYPE_CHECKING:
    from projects.models import Project, ProjectGuest
    from spaces.models import Space


class InvitationQuerySet(TimeBoxedQuerySet["Invitation"]):
    """`visible_to(user)`: access.permissions.INVITATION; statuses: `with_status()`."""

    def pending(self) -> InvitationQuerySet:
        return self.with_status_in(Invitation.Status.PENDING)


class Invitation(TimeBoxed):
    """An e-mail invitation into a space for a limited time, accepted once with a secret link.

    Time-boxed like the access it grants: `since` (the day it was made), `until` (the end of the
    access), `ended_at` (revoked). Its status is one SQL expression (`status_expression`): the
    list, its filter and the check before a new invitation all read it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        ACCEPTED = "accepted", _("angenommen")
        EXPIRED = "expired", _("abgelaufen")
        REVOKED = "revoked", _("widerrufen")

    status_choices = Status

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
    until = models.DateField(_("Zugang bis"), validators=[validate_plausible_date])
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
    # ended_at (core.timebox): when the invitation was revoked.
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
                condition=Q(accepted_at__isnull=True) | Q(ended_at__isnull=True),
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
        return f"{self.shown_address} → {self.target}"

    @property
    def target(self) -> Space | Project:
        """The space or the project the invitation leads into (a constraint: exactly one)."""
        return cast("Space | Project", self.project if self.project_id else self.space)

    @property
    def access(self) -> ProjectGuest | Membership | None:
        """The membership or project guest access created on acceptance (None before)."""
        return self.project_guest if self.project_id else self.membership

    @classmethod
    def status_expression(cls, *, on: dt.date, now: dt.datetime | None = None) -> Case:
        """Accepted, revoked, expired (the link or the access ran out), or pending."""
        now = now or timezone.now()
        return Case(
            When(accepted_at__isnull=False, then=Value(cls.Status.ACCEPTED)),
            When(ended_at__isnull=False, then=Value(cls.Status.REVOKED)),
            When(Q(expires_at__lte=now) | Q(until__lt=on), then=Value(cls.Status.EXPIRED)),
            default=Value(cls.Status.PENDING),
            output_field=models.CharField(),
        )

    @property
    def is_anonymised(self) -> bool:
        return self.email.endswith("@anonymisiert.invalid")

    @property
    def shown_address(self) -> str:
        """The invited address; for an anonymised person their pseudonym, never an address."""
        if self.is_anonymised:
            return f"{self.first_name} {self.last_name}".strip()
        return self.email

    def get_role_display(self) -> str:
        return str(Membership.Role(self.role).label)
