"""Writes about accounts, people, authorities and officers: validated, atomic, audited.

Every change that alters what an account may do (disabling it, ITD rights, an officer role, the
authority of its profile) ends the account's sessions, so it signs in again under the new role.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from core import personal_data
from core.audiences import SYSTEM_ACTOR, Actor, SystemActor, Viewer
from core.models import AuditEntry, SecurityEvent
from core.services import audit_record, diff, security_log, snapshot, timebox_close

from .models import Authority, DigitalOfficer, Person, User
from .permissions import GLOBAL, OFFICER, PERSON, USER, forget_cached_facts

# --- Sessions and access changes ------------------------------------------------------------


def user_sessions_end(*, user: User, keep_session_key: str | None = None, reason: str = "") -> int:
    """End every session of an account (but `keep_session_key`); returns how many ended."""
    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(
        session_key=keep_session_key or ""
    ):
        session.end()
        ended += 1
    if ended:
        security_log(kind=SecurityEvent.Kind.SESSIONS_ENDED, user=user, count=ended, reason=reason)
    return ended


def user_access_changed(
    *,
    actor: Actor | SystemActor | None,
    user: User,
    changes: dict[str, Any],
    request: HttpRequest | None = None,
) -> int:
    """An account was disabled or its role changed: log it and end every session of it.

    `changes` is {field: {"old": ..., "new": ...}} as in the audit trail. Whoever holds a
    session must sign in again under the new role (or not at all).
    """
    security_log(
        kind=SecurityEvent.Kind.ROLE_CHANGED,
        user=user,
        request=request,
        by=actor.email if actor is not None and actor.is_authenticated else "system",
        changes=changes,
    )
    forget_cached_facts(user)
    disabled = changes.get("is_active", {}).get("new") is False
    return user_sessions_end(user=user, reason="account_disabled" if disabled else "role_changed")


def user_totp_enrol(*, user: User, secret: str) -> bool:
    """Give an account an authenticator (TOTP) with a known secret, plus recovery codes.

    For the demo accounts and the tests; people enrol themselves at /accounts/2fa/. Returns
    False (and changes nothing) when the account already has an authenticator app.
    """
    with transaction.atomic():
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return False
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
        security_log(kind=SecurityEvent.Kind.MFA_CHANGED, user=user, action="enrolled")
    return True


# --- Accounts in the admin (ITD) ------------------------------------------------------------

USER_AUDITED = (
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_itd_staff",
    "is_staff",
    "is_superuser",
)
# Changing one of these changes what the account may do: its sessions end.
USER_ACCESS_FIELDS = ("is_active", "is_itd_staff", "is_staff", "is_superuser")
PERSON_AUDITED = ("function", "phone", "authority", "organisation")


def _require_itd(actor: Viewer) -> None:
    if not GLOBAL.can(actor, "manage_reference_data"):
        raise PermissionDenied


def _require_role_assigner(actor: Viewer) -> None:
    """ITD, or the system applying the identity provider's claims."""
    if not GLOBAL.can(actor, "assign_roles"):
        raise PermissionDenied


def user_save(
    *, actor: Actor | SystemActor, user: User, request: HttpRequest | None = None
) -> User:
    """ITD creates or changes an account (the admin's form has set the new values)."""
    _require_role_assigner(actor)
    with transaction.atomic():
        previous = User.objects.select_for_update().filter(pk=user.pk).first() if user.pk else None
        before = snapshot(previous, USER_AUDITED) if previous is not None else {}
        user.save()
        changes = diff(before, snapshot(user, USER_AUDITED))
        action = AuditEntry.Action.UPDATE if previous is not None else AuditEntry.Action.CREATE
        audit_record(actor=actor, instance=user, action=action, changes=changes)
        access = {k: v for k, v in changes.items() if k in USER_ACCESS_FIELDS}
        if previous is not None and access:
            user_access_changed(actor=actor, user=user, changes=access, request=request)
    return user


def person_save(
    *, actor: Actor | SystemActor, person: Person, request: HttpRequest | None = None
) -> Person:
    """ITD sets a person's authority or organisation (the admin's inline form set them)."""
    _require_role_assigner(actor)
    with transaction.atomic():
        previous = Person.objects.select_for_update().filter(pk=person.pk).first()
        before = snapshot(previous, PERSON_AUDITED) if previous is not None else {}
        person.full_clean()
        person.save()
        changes = diff(before, snapshot(person, PERSON_AUDITED))
        action = AuditEntry.Action.UPDATE if previous is not None else AuditEntry.Action.CREATE
        audit_record(actor=actor, instance=person, action=action, changes=changes)
        moved = {k: v for k, v in changes.items() if k in ("authority", "organisation")}
        if previous is not None and moved:
            # Internal staff or external partner: what the account may see changed.
            user_access_changed(actor=actor, user=person.user, changes=moved, request=request)
    return person


# --- Profile (the person themselves) --------------------------------------------------------

PROFILE_FIELDS = (
    "function",
    "phone",
    "email_visible_to_guests",
    "phone_visible_to_guests",
    "named_publicly",
)


def person_update_profile(
    *, actor: Actor, person: Person, language: str | None = None, **values: Any
) -> Person:
    """A person corrects their own profile and who may see it; ITD may do it for anyone."""
    if not PERSON.can(actor, "edit_profile", person):
        raise PermissionDenied
    with transaction.atomic():
        if language and language != person.user.language:
            user = User.objects.select_for_update().get(pk=person.user_id)
            before_user = snapshot(user, ("language",))
            user.language = language
            user.full_clean(validate_unique=False)
            user.save(update_fields=["language"])
            audit_record(
                actor=actor,
                instance=user,
                action=AuditEntry.Action.UPDATE,
                changes=diff(before_user, snapshot(user, ("language",))),
            )
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = snapshot(person, PROFILE_FIELDS)
        for name in PROFILE_FIELDS:
            if name in values:
                value = values[name]
                setattr(person, name, value.strip() if isinstance(value, str) else bool(value))
        person.full_clean()
        changes = diff(before, snapshot(person, PROFILE_FIELDS))
        if changes:
            person.save(update_fields=[name for name in PROFILE_FIELDS if name in changes])
            audit_record(
                actor=actor, instance=person, action=AuditEntry.Action.UPDATE, changes=changes
            )
    return person


# --- Authorities and officers (reference data, ITD) -----------------------------------------

AUTHORITY_AUDITED = (
    "code",
    "name_de",
    "name_en",
    "kind",
    "parent",
    "valid_from",
    "valid_until",
    "predecessors",
)
OFFICER_AUDITED = ("person", "authority", "role", "since", "until", "ended_at")


def authority_save(
    *, actor: Actor, authority: Authority, predecessors: Iterable[Authority] | None = None
) -> Authority:
    """ITD creates or changes an authority (reorganisations: validity, predecessors)."""
    _require_itd(actor)
    with transaction.atomic():
        previous = Authority.objects.filter(pk=authority.pk).first() if authority.pk else None
        before = snapshot(previous, AUTHORITY_AUDITED) if previous is not None else {}
        authority.full_clean()
        authority.save()
        if predecessors is not None:
            authority.predecessors.set(list(predecessors))
        action = AuditEntry.Action.UPDATE if previous is not None else AuditEntry.Action.CREATE
        audit_record(
            actor=actor,
            instance=authority,
            action=action,
            changes=diff(before, snapshot(authority, AUTHORITY_AUDITED)),
        )
    return authority


def officer_save(*, actor: Actor | SystemActor, officer: DigitalOfficer) -> DigitalOfficer:
    """ITD names a digitalisation officer or changes the role; the person signs in again."""
    _require_role_assigner(actor)
    with transaction.atomic():
        previous = (
            DigitalOfficer.objects.select_for_update().filter(pk=officer.pk).first()
            if officer.pk
            else None
        )
        before = snapshot(previous, OFFICER_AUDITED) if previous is not None else {}
        officer.full_clean()
        officer.save()
        changes = diff(before, snapshot(officer, OFFICER_AUDITED))
        action = AuditEntry.Action.UPDATE if previous is not None else AuditEntry.Action.CREATE
        audit_record(actor=actor, instance=officer, action=action, changes=changes)
        if changes:
            _officer_changed(actor=actor, officer=officer, changes=changes)
    return officer


def officer_end(*, actor: Actor | SystemActor, officer: DigitalOfficer) -> DigitalOfficer:
    """End an officer role today (by ITD, or by the system on anonymisation)."""
    if not OFFICER.can(actor, "end", officer):
        raise PermissionDenied
    with transaction.atomic():
        officer, was_open = timebox_close(actor=actor, obj=officer, audited_fields=OFFICER_AUDITED)
        if was_open:
            changes = {"role": {"old": snapshot(officer, ("role",))["role"], "new": None}}
            _officer_changed(actor=actor, officer=officer, changes=changes)
    return officer


def _officer_changed(
    *, actor: Actor | SystemActor, officer: DigitalOfficer, changes: dict[str, Any]
) -> None:
    changes = {"authority": officer.authority.code, **changes}
    user_access_changed(actor=actor, user=officer.person.user, changes=changes)


# --- Deletion by anonymisation (Art. 17 DSGVO) ----------------------------------------------

PSEUDONYM_NAME = "Gelöschte Person"


def pseudonym_for(user: User) -> str:
    """The name an anonymised account keeps in the history ("Gelöschte Person 30"): stored
    data, so not translated; the number is the account's, which names nobody."""
    return f"{PSEUDONYM_NAME} {user.pk}"


def _pseudonym_digest(user: User) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{user.pk}".encode()).hexdigest()[:10]


def pseudonym_email(user: User) -> str:
    # .invalid is reserved (RFC 2606): mail to it can never be delivered.
    return f"geloescht-{user.pk}-{_pseudonym_digest(user)}@anonymisiert.invalid"


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@anonymisiert.invalid")


def user_anonymise(
    *, actor: Actor | SystemActor, user: User, reason: str, request: HttpRequest | None = None
) -> User:
    """Remove name and contact data everywhere; keep the history under a pseudonym.

    The account row stays (memberships and audit entries point to it), but nothing in the
    database names the person any more: every app's privacy.py anonymises what it holds
    (core.personal_data runs them), and the history keeps "Gelöschte Person 30".
    """
    if not USER.can(actor, "anonymise", user):
        raise PermissionDenied
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_anonymised(user):
            return user
        person = Person.objects.filter(user=user).first()
        # The name in every spelling comes from the Subject; the phone is looked for as written.
        needles = [person.phone] if person is not None and person.phone else []
        emails = [
            user.email,
            *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
        ]
        security_log(
            kind=SecurityEvent.Kind.DELETION,
            user=user,
            request=request,
            reason=reason,
            by="self" if actor is not None and actor.pk == user.pk else "system",
        )
        personal_data.anonymise(
            personal_data.Subject(
                user=user,
                person=person,
                pseudonym=pseudonym_for(user),
                needles=needles,
                first_name=user.first_name,
                last_name=user.last_name,
                emails=list(dict.fromkeys(e.lower() for e in emails if e)),
            )
        )
        user.refresh_from_db()
    return user


def account_anonymise(subject: personal_data.Subject) -> None:
    """contacts.privacy: the account itself; no name, no address, no password, no sessions."""
    user = subject.user
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user_sessions_end(user=user, reason="anonymised")
    UserSession.objects.filter(user=user).delete()
    user.email = pseudonym_email(user)
    # The name becomes the pseudonym, so every place that names the account shows it.
    user.first_name = PSEUDONYM_NAME
    user.last_name = str(user.pk)
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.is_itd_staff = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "is_itd_staff",
            "password",
        ]
    )
    user.groups.clear()
    user.user_permissions.clear()


def profile_anonymise(subject: personal_data.Subject) -> None:
    person = subject.person
    if person is None:
        return
    for officer in DigitalOfficer.objects.open().filter(person=person):
        officer_end(actor=SYSTEM_ACTOR, officer=officer)
    person.function = ""
    person.phone = ""
    person.email_visible_to_guests = False
    person.phone_visible_to_guests = False
    person.named_publicly = False
    person.save(
        update_fields=[
            "function",
            "phone",
            "email_visible_to_guests",
            "phone_visible_to_guests",
            "named_publicly",
        ]
    )
