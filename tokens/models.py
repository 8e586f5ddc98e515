"""Personal API tokens: stored only as a keyed hash, scope, expiry and owner fixed at creation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.rules import RestrictedQuerySet

# What the token says of itself: `hdr_<key_id>_<secret>` (docs/api-tokens.md). The prefix makes a
# leaked token recognisable to secret scanners; the key id finds its row; the secret is hashed.
PREFIX = "hdr_"
KEY_ID_LENGTH = 12
SECRET_LENGTH = 40

# Fixed when the token is made: no service, form or admin changes them, save() refuses it and on
# PostgreSQL and SQLite a trigger refuses it too (migration 0002).
IMMUTABLE_FIELDS = (
    "owner_id",
    "key_id",
    "digest",
    "pepper_id",
    "can_write",
    "limited_to_spaces",
    "created_at",
    "expires_at",
)


class TokenFieldsFixed(ValidationError):
    """A change of a token's owner, secret, scope or expiry after it was made."""


class ApiTokenQuerySet(RestrictedQuerySet["ApiToken"]):
    def usable(self, now: Any = None) -> ApiTokenQuerySet:
        """Neither revoked nor expired (the owner's state is checked at each use)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A personal API token: a keyed hash of its secret, read or read-and-write, perhaps limited
    to spaces, with an expiry; owner, scope and expiry never change, it can only be revoked."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Inhaber/in"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("Bezeichnung"), max_length=100)
    # The public part of the token, after "hdr_": finds the row without the secret.
    key_id = models.CharField(_("Kennung"), max_length=KEY_ID_LENGTH, unique=True)
    # HMAC-SHA256 (hex) of the secret under the pepper named by pepper_id.
    digest = models.CharField(max_length=64)
    # The first 8 hex digits of the SHA-256 of the pepper that hashed it (API_TOKEN_PEPPERS), so
    # operators see which tokens still depend on an old pepper; never the pepper itself.
    pepper_id = models.CharField(_("Pepper"), max_length=8)
    can_write = models.BooleanField(_("Schreiben erlaubt"), default=False)
    # False: everything the owner may see; True: only the spaces below (which a deleted space
    # leaves, so a token limited to spaces that are all gone reads nothing, never everything).
    limited_to_spaces = models.BooleanField(_("auf Digitale Räume beschränkt"), default=False)
    spaces = models.ManyToManyField(
        "spaces.Space", verbose_name=_("Digitale Räume"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    expires_at = models.DateTimeField(_("gültig bis"))
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("zuletzt von"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("widerrufen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
            ),
        ]
        indexes = [models.Index(fields=("owner", "-created_at"), name="apitoken_owner_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_prefix})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A stored token keeps its owner, secret, scope and expiry (netbox #22820): only its
        name, last use and revocation may change."""
        if self.pk is not None and not self._state.adding:
            stored = (
                type(self)._default_manager.filter(pk=self.pk).values(*IMMUTABLE_FIELDS).first()
            )
            if stored is not None:
                changed = [f for f in IMMUTABLE_FIELDS if stored[f] != getattr(self, f)]
                if changed:
                    raise TokenFieldsFixed(
                        _("Inhaber/in, Geheimnis, Berechtigung und Ablauf eines Tokens sind fest."),
                        code="fixed",
                        params={"fields": ", ".join(changed)},
                    )
        super().save(*args, **kwargs)

    @property
    def shown_prefix(self) -> str:
        """What identifies the token on the pages and in logs: never its secret."""
        return f"{PREFIX}{self.key_id}…"

    def status(self, now: Any = None) -> str:
        """active, expired or revoked (the owner's access is checked at each use)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"


# The spaces of a token are set once, by tokens.services.token_create (which marks the instance);
# every later change of the relation is refused. Deleting a space removes it from the token
# (the database cascade), which narrows the token, never widens it: a token limited to spaces
# that are all gone sees nothing (tokens.selectors.token_space_ids).
SCOPE_BEING_SET = "_scope_being_set"


@receiver(m2m_changed, sender=ApiToken.spaces.through)
def _spaces_fixed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse or not getattr(instance, SCOPE_BEING_SET, False):
        raise TokenFieldsFixed(
            _("Die Digitalen Räume eines Tokens werden beim Erstellen festgelegt."), code="fixed"
        )
