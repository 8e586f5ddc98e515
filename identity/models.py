"""Which claims of the city's identity provider give which role in the portal (ITD keeps the
table), and which roles a claim has given, so that they end with the claim and only then.

A role given in the portal by hand has no `ClaimGrant`: the sign-in leaves it alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Grants(models.TextChoices):
    ITD = "itd", _("ITD-Mitarbeitende/r")
    COORDINATOR = "coordinator", _("Koordination eines Digitalen Raums")
    MEMBER = "member", _("Mitglied eines Digitalen Raums")
    OFFICER = "officer", _("Digitalisierungsverantwortliche/r einer Behörde")
    DEPUTY = "deputy", _("Stellvertretung der/des Digitalisierungsverantwortlichen")
    AUTHORITY = "authority", _("Behörde der Person")


# What each kind of role needs besides the claim: a space or an authority.
NEEDS_SPACE = (Grants.COORDINATOR, Grants.MEMBER)
NEEDS_AUTHORITY = (Grants.OFFICER, Grants.DEPUTY, Grants.AUTHORITY)
SPACE_ROLES = {Grants.COORDINATOR: "coordinator", Grants.MEMBER: "member"}
OFFICER_ROLES = {Grants.OFFICER: "principal", Grants.DEPUTY: "deputy"}

_TARGET = Q(grants__in=NEEDS_SPACE, space__isnull=False, authority__isnull=True) | Q(
    grants__in=NEEDS_AUTHORITY, space__isnull=True, authority__isnull=False
)
_TARGET |= Q(grants=Grants.ITD, space__isnull=True, authority__isnull=True)


class ClaimRule(models.Model):
    """A value of the provider's group claim (e.g. `fhh-raum-mobilitaet-energie`) and the role it
    gives: ITD staff, a space's coordinator or member, an authority's officer or deputy, or the
    person's authority."""

    claim = models.CharField(
        _("Gruppe im Dienstkonto"),
        max_length=200,
        help_text=_(
            "Der Wert genau so, wie der Identitätsanbieter ihn in der Gruppenliste sendet."
        ),
    )
    grants = models.CharField(_("ergibt die Rolle"), max_length=20, choices=Grants.choices)
    space = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("Digitaler Raum"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    authority = models.ForeignKey(
        "contacts.Authority",
        verbose_name=_("Behörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Regel für eine Gruppe des Dienstkontos")
        verbose_name_plural = _("Regeln für Gruppen des Dienstkontos")
        ordering = ("claim", "grants", "id")
        constraints = [
            models.CheckConstraint(condition=_TARGET, name="claimrule_target_fits_role"),
            models.UniqueConstraint(
                fields=("claim", "grants", "space", "authority"),
                nulls_distinct=False,
                name="claimrule_once",
                violation_error_message=_("Diese Regel gibt es schon."),
            ),
        ]

    def __str__(self) -> str:
        target = self.space or self.authority
        role = self.get_grants_display()
        return f"{self.claim} → {role}" + (f" ({target})" if target else "")


class ClaimGrant(models.Model):
    """A role the portal gave because of a claim; open while the claim lasts. It names the row it
    created (membership, officer role) so that the sign-in ends that row and no other."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Konto"),
        on_delete=models.CASCADE,
        related_name="claim_grants",
    )
    claim = models.CharField(_("Gruppe im Dienstkonto"), max_length=200)
    grants = models.CharField(_("Rolle"), max_length=20, choices=Grants.choices)
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    authority = models.ForeignKey(
        "contacts.Authority", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    membership = models.ForeignKey(
        "spaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    officer = models.ForeignKey(
        "contacts.DigitalOfficer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("seit"), default=timezone.now)
    ended_at = models.DateTimeField(_("beendet am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Rolle aus dem Dienstkonto")
        verbose_name_plural = _("Rollen aus dem Dienstkonto")
        ordering = ("user", "grants", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("user", "grants", "space", "authority"),
                condition=Q(ended_at__isnull=True),
                nulls_distinct=False,
                name="claimgrant_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_grants_display()} ({self.claim})"


class ProviderSession(models.Model):
    """A portal session that began with a sign-in at the identity provider: its `sid` (the
    provider's session) and `sub`, so that the provider's back-channel logout ends exactly the
    portal sessions of that provider session."""

    provider = models.CharField(_("Identitätsanbieter"), max_length=50)
    sid = models.CharField(_("Sitzung beim Identitätsanbieter"), max_length=255, blank=True)
    sub = models.CharField(_("Kennung beim Identitätsanbieter"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Konto"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("angemeldet am"), default=timezone.now)

    class Meta:
        verbose_name = _("Sitzung aus dem Dienstkonto")
        verbose_name_plural = _("Sitzungen aus dem Dienstkonto")
        indexes = [
            models.Index(fields=("provider", "sid"), name="providersession_sid_idx"),
            models.Index(fields=("provider", "sub"), name="providersession_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.sid or self.sub}"


class SeenLogoutToken(models.Model):
    """The `jti` of every back-channel logout token taken: a token comes in once (replay)."""

    issuer = models.CharField(max_length=255)
    jti = models.CharField(max_length=255)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("angenommenes Abmelde-Token")
        verbose_name_plural = _("angenommene Abmelde-Tokens")
        constraints = [
            models.UniqueConstraint(fields=("issuer", "jti"), name="seenlogouttoken_once"),
        ]

    def __str__(self) -> str:
        return self.jti
