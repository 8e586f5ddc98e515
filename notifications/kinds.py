"""The kinds of notification: what each is about, whom it concerns, how it is delivered by
default, and whether a person may switch it off (security notices may not)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    INVITATION_SENT = "invitation_sent", _("Einladung erhalten")
    INVITATION_ACCEPTED = "invitation_accepted", _("Einladung angenommen")
    INVITATION_EXPIRING = "invitation_expiring", _("Einladungslink läuft bald ab")
    MEMBERSHIP_ADDED = "membership_added", _("Mitgliedschaft hinzugefügt")
    MEMBERSHIP_CHANGED = "membership_changed", _("Rolle geändert")
    MEMBERSHIP_ENDED = "membership_ended", _("Mitgliedschaft beendet")
    PROJECT_CREATED = "project_created", _("Neues Projekt in meinem Raum")
    PROJECT_STATUS = "project_status", _("Projektstatus geändert")
    PROJECT_HEALTH = "project_health", _("Projektampel geändert")
    BUDGET_OVER_PLAN = "budget_over_plan", _("Budget über dem fortgeschriebenen Plan")
    MILESTONE_DUE = "milestone_due", _("Meilenstein in 7 Tagen fällig")
    MILESTONE_OVERDUE = "milestone_overdue", _("Meilenstein überfällig")
    REPORT_READY = "report_ready", _("Bericht fertig")
    REPORT_FAILED = "report_failed", _("Bericht fehlgeschlagen")
    ACCESS_ENDING = "access_ending", _("Zugang endet in 14 Tagen")
    MENTIONED = "mentioned", _("In einem Beitrag erwähnt")
    THREAD_REPLY = "thread_reply", _("Neue Antwort in einer Diskussion, der ich folge")
    MEETING_INVITED = "meeting_invited", _("Zu einem Termin eingeladen")
    MEETING_CHANGED = "meeting_changed", _("Termin geändert oder abgesagt")
    MEETING_REMINDER = "meeting_reminder", _("Erinnerung: Termin am nächsten Tag")
    DOCUMENT_ADDED = "document_added", _("Neues Dokument oder neue Version")
    STRATEGY_ROUND_OPENED = "strategy_round_opened", _("Berichtsrunde eröffnet: Meldung erwartet")
    STRATEGY_DEADLINE = "strategy_deadline", _("Erinnerung: Abgabefrist einer Berichtsrunde")
    STRATEGY_RETURNED = "strategy_returned", _("Meldung zur Berichtsrunde zurückgegeben")
    ACCOUNT = "account", _("Konto: Passwort, E-Mail-Adresse, Anmeldung")
    SECURITY = "security", _("Sicherheit: neue Anmeldemethode, Passwort geändert")


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", _("sofort per E-Mail")
    DAILY = "daily", _("täglich gesammelt")
    WEEKLY = "weekly", _("wöchentlich gesammelt")
    OFF = "off", _("keine E-Mail (nur im Portal)")


@dataclass(frozen=True)
class KindInfo:
    default: str  # Channel
    # Security notices and transactional mails cannot be switched off or collected.
    fixed: bool = False
    # Shown on the preferences page (a mail to an address without account is not).
    configurable: bool = True


KINDS: dict[str, KindInfo] = {
    Kind.INVITATION_SENT: KindInfo(Channel.IMMEDIATE, fixed=True, configurable=False),
    Kind.INVITATION_ACCEPTED: KindInfo(Channel.IMMEDIATE),
    Kind.INVITATION_EXPIRING: KindInfo(Channel.DAILY),
    Kind.MEMBERSHIP_ADDED: KindInfo(Channel.IMMEDIATE),
    Kind.MEMBERSHIP_CHANGED: KindInfo(Channel.IMMEDIATE),
    Kind.MEMBERSHIP_ENDED: KindInfo(Channel.IMMEDIATE),
    Kind.PROJECT_CREATED: KindInfo(Channel.DAILY),
    Kind.PROJECT_STATUS: KindInfo(Channel.DAILY),
    Kind.PROJECT_HEALTH: KindInfo(Channel.IMMEDIATE),
    Kind.BUDGET_OVER_PLAN: KindInfo(Channel.IMMEDIATE),
    Kind.MILESTONE_DUE: KindInfo(Channel.DAILY),
    Kind.MILESTONE_OVERDUE: KindInfo(Channel.DAILY),
    Kind.REPORT_READY: KindInfo(Channel.IMMEDIATE),
    Kind.REPORT_FAILED: KindInfo(Channel.IMMEDIATE),
    Kind.ACCESS_ENDING: KindInfo(Channel.IMMEDIATE, fixed=True),
    Kind.MENTIONED: KindInfo(Channel.IMMEDIATE),
    Kind.THREAD_REPLY: KindInfo(Channel.DAILY),
    Kind.MEETING_INVITED: KindInfo(Channel.IMMEDIATE),
    Kind.MEETING_CHANGED: KindInfo(Channel.IMMEDIATE),
    Kind.MEETING_REMINDER: KindInfo(Channel.IMMEDIATE),
    Kind.DOCUMENT_ADDED: KindInfo(Channel.DAILY),
    Kind.STRATEGY_ROUND_OPENED: KindInfo(Channel.IMMEDIATE),
    Kind.STRATEGY_DEADLINE: KindInfo(Channel.IMMEDIATE),
    Kind.STRATEGY_RETURNED: KindInfo(Channel.IMMEDIATE),
    Kind.ACCOUNT: KindInfo(Channel.IMMEDIATE, fixed=True),
    Kind.SECURITY: KindInfo(Channel.IMMEDIATE, fixed=True),
}

# ITD staff hear of everything in the cockpit: news about projects come as a weekly digest.
ITD_DEFAULTS: dict[str, str] = {
    Kind.PROJECT_CREATED: Channel.WEEKLY,
    Kind.PROJECT_STATUS: Channel.WEEKLY,
    Kind.PROJECT_HEALTH: Channel.DAILY,
    Kind.MILESTONE_DUE: Channel.WEEKLY,
    Kind.MILESTONE_OVERDUE: Channel.WEEKLY,
}


def is_fixed(kind: str) -> bool:
    return KINDS[kind].fixed


def configurable_kinds() -> list[str]:
    return [kind for kind, info in KINDS.items() if info.configurable]
