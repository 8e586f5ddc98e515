from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LocalizedNameMixin:
    """`name` (and `description`, where a model has it) in the active language, else German."""

    name_de: str
    name_en: str

    @property
    def name(self) -> str:
        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name_de


class AuditEntry(models.Model):
    """One change to an audited object: who, when, which object, old and new values."""

    class Action(models.TextChoices):
        CREATE = "create", _("angelegt")
        UPDATE = "update", _("geändert")
        DELETE = "delete", _("gelöscht")

    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("durch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The actor's name at the time of the change. When a person's account is anonymised this
    # becomes a pseudonym, so the history stays whole without keeping personal data.
    actor_label = models.CharField(_("durch (Name)"), max_length=200)
    action = models.CharField(_("Aktion"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("Objekt"), max_length=255)
    changes = models.JSONField(_("Änderungen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Änderungsprotokoll")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("content_type", "object_id"), name="audit_object_idx"),
            # The trail of a project names the project in every budget line's entry
            # (changes.project_ref): the project page finds them without walking the whole log.
            models.Index(KeyTransform("project_ref", "changes"), name="audit_project_ref_idx"),
            # The newest entries of one kind of object (a space's news: its projects' changes)
            # are read in this order, a few at a time.
            models.Index(fields=("content_type", "-created_at", "-id"), name="audit_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.actor_label}: {self.object_repr}"


class SecurityEvent(models.Model):
    """One entry of the security log: sign-ins, failures, MFA, invitations, roles, exports."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Anmeldung")
        LOGIN_FAILED = "login_failed", _("fehlgeschlagene Anmeldung")
        LOGOUT = "logout", _("Abmeldung")
        MFA_CHANGED = "mfa_changed", _("Zwei-Faktor-Authentisierung geändert")
        PASSWORD_CHANGED = "password_changed", _("Passwort geändert")
        EMAIL_CHANGED = "email_changed", _("E-Mail-Adresse geändert")
        LOGIN_REFUSED = "login_refused", _("Anmeldung abgewiesen")
        INVITATION = "invitation", _("Einladung")
        ROLE_CHANGED = "role_changed", _("Rolle geändert")
        SESSIONS_ENDED = "sessions_ended", _("Sitzungen beendet")
        DATA_EXPORT = "data_export", _("Datenexport")
        DELETION = "deletion", _("Löschung / Anonymisierung")
        RATE_LIMITED = "rate_limited", _("Anfragebegrenzung ausgelöst")
        CALENDAR_FEED = "calendar_feed", _("Kalender-Abonnement erneuert oder widerrufen")
        # A personal API token (tokens app): detail.action is created, revoked, used or refused.
        API_TOKEN = "api_token", _("API-Token")
        SSO = "sso", _("Dienstkonto (Single Sign-on)")

    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("betroffenes Konto"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The account's label at the time; pseudonymised together with the account.
    user_label = models.CharField(_("Konto (Name)"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)
    detail = models.JSONField(_("Details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Sicherheitsereignis")
        verbose_name_plural = _("Sicherheitsprotokoll")
        ordering = ("-created_at", "-id")
        # The latest events of one account ("Konto & Sicherheit", /my-data/), by account or by
        # the address a failed sign-in named.
        indexes = [
            models.Index(fields=("user", "-created_at"), name="security_user_idx"),
            models.Index(Upper("user_label"), name="security_user_label_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.get_kind_display()}: {self.user_label}"


class BeatLease(models.Model):
    """Which Celery beat may send the schedule's jobs, until when (core.beat)."""

    name = models.CharField(_("Name"), max_length=50, unique=True)
    # hostname, process id and a random part: a restarted beat is a new holder.
    holder = models.CharField(_("Inhaber"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("gültig bis"))

    class Meta:
        verbose_name = _("Zeitplan-Sperre")
        verbose_name_plural = _("Zeitplan-Sperren")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"
