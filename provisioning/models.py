"""What the city's identity management (IdM) has provisioned by SCIM 2.0: which portal accounts
it manages (with its own name and key for each) and its groups with their members.

A portal account stays a `contacts.User`; `ScimUser` only links it to the IdM. A user the IdM
deleted keeps its row (`deleted_at`): the account is deactivated, never removed, and SCIM
answers 404 for it from then on (RFC 7644, 3.6). The groups are the provider's groups, the same
values as the group claim at sign-in: ITD's claims table (identity) turns them into roles.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_scim_id() -> str:
    return str(uuid.uuid4())


class CurrentManager(models.Manager["ScimUser"]):
    """What SCIM sees: the users the IdM has not deleted."""

    def get_queryset(self) -> models.QuerySet[ScimUser]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class ScimUser(models.Model):
    """A portal account managed by the IdM."""

    scim_id = models.CharField(
        _("SCIM-ID"), max_length=36, unique=True, default=new_scim_id, editable=False
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Konto"),
        on_delete=models.CASCADE,
        related_name="scim",
    )
    user_name = models.CharField(
        _("Benutzername im Identitätsmanagement"), max_length=254, unique=True
    )
    external_id = models.CharField(
        _("Kennung im Identitätsmanagement"), max_length=255, blank=True, default=""
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now)
    deleted_at = models.DateTimeField(
        _("gelöscht im Identitätsmanagement am"), null=True, blank=True
    )

    # The first manager is the default (the admin, related lookups, the privacy registry see
    # every row); SCIM reads `objects`, which leaves out what the IdM deleted.
    everything = models.Manager()
    objects = CurrentManager()

    class Meta:
        verbose_name = _("vom Identitätsmanagement verwaltetes Konto")
        verbose_name_plural = _("vom Identitätsmanagement verwaltete Konten")
        default_manager_name = "everything"
        base_manager_name = "everything"
        ordering = ("user_name",)

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """A group of the IdM (its `displayName` is the value of the group claim) and its members."""

    scim_id = models.CharField(
        _("SCIM-ID"), max_length=36, unique=True, default=new_scim_id, editable=False
    )
    display_name = models.CharField(_("Gruppe im Dienstkonto"), max_length=200, unique=True)
    external_id = models.CharField(
        _("Kennung im Identitätsmanagement"), max_length=255, blank=True, default=""
    )
    members = models.ManyToManyField(
        ScimUser, verbose_name=_("Mitglieder"), related_name="groups", blank=True
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now)

    class Meta:
        verbose_name = _("Gruppe des Identitätsmanagements")
        verbose_name_plural = _("Gruppen des Identitätsmanagements")
        ordering = ("display_name",)

    def __str__(self) -> str:
        return self.display_name
