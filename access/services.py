"""Writes for access by invitation: invitations (create, resend, revoke, extend, end, accept),
and the guest lifecycle (ending access, retention). Each checks permission, validates, audits,
atomically; e-mails go out after commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Authority, DigitalOfficer, Organisation, Person, User
from contacts.permissions import forget_cached_facts
from contacts.security import verify_password
from contacts.services import user_anonymise, user_sessions_end
from core import events
from core.audiences import SYSTEM_ACTOR, Actor, Viewer
from core.dates import guest_until_errors, today
from core.models import AuditEntry, SecurityEvent
from core.services import audit_record, diff, security_log, snapshot
from projects.models import Project, ProjectGuest
from projects.services import (
    project_guest_add,
    project_guest_end,
    project_guest_set_until,
    project_guests_close_expired,
)
from spaces.models import Membership, Space
from spaces.services import (
    membership_change_role,
    membership_create,
    membership_end,
    memberships_close_expired,
)

from .models import Invitation
from .permissions import (
    INVITATION,
    can_invite_to_project,
    has_active_access,
    invitable_roles,
    invitation_bound_users,
)

INVITATION_LINK_DAYS = 14
INVITATION_MAX_DAYS = 365

INVITATION_AUDITED_FIELDS = (
    "email",
    "space",
    "project",
    "role",
    "until",
    "expires_at",
    "accepted_at",
    "ended_at",
)


UNAVAILABLE_MESSAGES = {
    "unknown": gettext_lazy("Diese Einladung gibt es nicht."),
    "accepted": gettext_lazy("Diese Einladung wurde bereits angenommen."),
    "expired": gettext_lazy("Diese Einladung ist abgelaufen."),
    "revoked": gettext_lazy("Diese Einladung wurde widerrufen."),
}


class InvitationUnavailable(ValidationError):
    """The link cannot be used (any more): `status` says why."""

    def __init__(self, status: str) -> None:
        super().__init__(str(UNAVAILABLE_MESSAGES.get(status, UNAVAILABLE_MESSAGES["expired"])))
        self.status = status


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, invitation_token_hash(token)


def invitation_until_errors(until: dt.date | None) -> list[str]:
    """An invitation's access ends today at the earliest and at most 365 days from today."""
    return guest_until_errors(until)


def _check_until(until: dt.date | None) -> None:
    errors = invitation_until_errors(until)
    if errors:
        raise ValidationError({"until": errors})


def _send(invitation: Invitation, token: str, actor: Viewer) -> None:
    """The e-mail with the secret link: written to the outbox now (encrypted), sent after
    commit (the notifications app listens to this event)."""
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    events.emit(events.INVITATION_SENT, invitation=invitation, token=token, actor=actor)


def _invitation_recorded(
    *,
    actor: Actor,
    invitation: Invitation,
    request: HttpRequest | None,
    action: str,
    before: dict[str, Any] | None,
    **detail: Any,
) -> None:
    """Audit an invitation change (old and new values) and write its security log entry."""
    audit_record(
        actor=actor,
        instance=invitation,
        action=AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE,
        changes=diff(before or {}, snapshot(invitation, INVITATION_AUDITED_FIELDS)),
    )
    security_log(
        kind=SecurityEvent.Kind.INVITATION,
        user=actor,
        request=request,
        action=action,
        invitation=invitation.pk,
        **detail,
    )


def invitation_create(
    *,
    actor: Actor,
    email: str,
    role: str,
    until: dt.date,
    space: Space | None = None,
    project: Project | None = None,
    message: str = "",
    first_name: str = "",
    last_name: str = "",
    organisation: Organisation | None = None,
    authority: Authority | None = None,
    request: HttpRequest | None = None,
) -> Invitation:
    """Invite a person by e-mail into a space, or (ITD) as a guest into a single project.

    The e-mail with the secret link goes out after commit.
    """
    if (space is None) == (project is None):
        raise ValueError("an invitation leads into a space or into a project")
    if role == "guest" and authority is not None:
        # A guest is always external: an authority would make the account internal staff.
        raise ValidationError(
            {
                "authority": _(
                    "Gäste sind immer externe Partner: Bitte wählen Sie keine Behörde, sondern "
                    "gegebenenfalls eine Organisation. Mitarbeitende der Verwaltung laden Sie als "
                    "Mitglied ein."
                )
            }
        )
    if project is not None:
        if not can_invite_to_project(actor, project) or role != "guest":
            raise PermissionDenied
    else:
        assert space is not None  # exactly one of the two (checked above)
        if role not in invitable_roles(actor, space):
            raise PermissionDenied
    _check_until(until)
    email = User.objects.normalize_email(email).strip().lower()
    token, token_hash = _new_token()
    invitation = Invitation(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        space=space,
        project=project,
        role=role,
        organisation=organisation,
        authority=authority,
        message=message.strip(),
        until=until,
        token_hash=token_hash,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_LINK_DAYS),
        invited_by=actor,
    )
    invitation.full_clean()
    with transaction.atomic():
        # One invitation at a time per space or project: the checks below cannot race.
        if project is not None:
            type(project).objects.select_for_update().get(pk=project.pk)
            has_access = (
                ProjectGuest.objects.active()
                .filter(project=project, person__user__email__iexact=email)
                .exists()
            )
            pending = Invitation.objects.pending().filter(project=project, email__iexact=email)
        else:
            assert space is not None  # exactly one of the two (checked above)
            Space.objects.select_for_update().get(pk=space.pk)
            has_access = (
                Membership.objects.active()
                .filter(space=space, person__user__email__iexact=email)
                .exists()
            )
            pending = Invitation.objects.pending().filter(space=space, email__iexact=email)
        if has_access:
            raise ValidationError(
                {"email": _("Diese Person hat hier bereits einen aktiven Zugang.")}
            )
        if pending.exists():
            raise ValidationError(
                {
                    "email": _(
                        "An diese Adresse ist hierhin bereits eine offene Einladung unterwegs. "
                        "Sie können sie in der Liste der Einladungen erneut senden."
                    )
                }
            )
        invitation.save()
        _invitation_recorded(
            actor=actor,
            invitation=invitation,
            request=request,
            action="created",
            before=None,
            target=str(invitation.target),
            role=role,
        )
        _send(invitation, token, actor)
    return invitation


def _locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("space", "project", "membership", "project_guest")
        .get(pk=invitation.pk)
    )


def _check_manage(actor: Actor, invitation: Invitation) -> None:
    if not INVITATION.can(actor, "manage", invitation):
        raise PermissionDenied


def invitation_resend(
    *, actor: Actor, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """A new link (14 days again); the old link stops working at once."""
    _check_manage(actor, invitation)
    with transaction.atomic():
        invitation = _locked(invitation)
        if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.REVOKED):
            raise ValidationError(
                _("Eine angenommene oder widerrufene Einladung kann nicht erneut gesendet werden.")
            )
        if invitation.until < today():
            raise ValidationError(
                _(
                    "Der Zugang dieser Einladung ist bereits abgelaufen. "
                    "Bitte verlängern Sie ihn erst."
                )
            )
        before = snapshot(invitation, INVITATION_AUDITED_FIELDS)
        token, invitation.token_hash = _new_token()
        invitation.expires_at = timezone.now() + dt.timedelta(days=INVITATION_LINK_DAYS)
        invitation.save(update_fields=["token_hash", "expires_at"])
        _invitation_recorded(
            actor=actor,
            invitation=invitation,
            request=request,
            action="resent",
            before=before,
        )
        _send(invitation, token, actor)
    return invitation


def invitation_revoke(
    *, actor: Actor, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """The link stops working; an accepted invitation is ended with `invitation_end_access`."""
    _check_manage(actor, invitation)
    with transaction.atomic():
        invitation = _locked(invitation)
        if invitation.status == Invitation.Status.REVOKED:
            return invitation
        if invitation.status == Invitation.Status.ACCEPTED:
            raise ValidationError(
                _("Diese Einladung ist schon angenommen. Beenden Sie stattdessen den Zugang.")
            )
        before = snapshot(invitation, INVITATION_AUDITED_FIELDS)
        invitation.ended_at = timezone.now()
        invitation.revoked_by = actor
        invitation.save(update_fields=["ended_at", "revoked_by"])
        _invitation_recorded(
            actor=actor,
            invitation=invitation,
            request=request,
            action="revoked",
            before=before,
        )
        events.emit(events.INVITATION_WITHDRAWN, invitation=invitation, actor=actor)
    return invitation


def invitations_revoke_for(*, email: str, reason: str) -> int:
    """The system withdraws every open invitation to an address (the city's identity management
    deactivated the account it belongs to): their links stop working. Returns how many."""
    revoked = 0
    with transaction.atomic():
        pending = Invitation.objects.pending().select_for_update(of=("self",))
        for invitation in pending.filter(email__iexact=email):
            before = snapshot(invitation, INVITATION_AUDITED_FIELDS)
            invitation.ended_at = timezone.now()
            invitation.save(update_fields=["ended_at"])
            audit_record(
                actor=SYSTEM_ACTOR,
                instance=invitation,
                action=AuditEntry.Action.UPDATE,
                changes=diff(before, snapshot(invitation, INVITATION_AUDITED_FIELDS)),
            )
            security_log(
                kind=SecurityEvent.Kind.INVITATION,
                user=None,
                action="revoked",
                invitation=invitation.pk,
                by="system",
                reason=reason,
            )
            revoked += 1
    return revoked


def invitation_extend(
    *, actor: Actor, invitation: Invitation, until: dt.date, request: HttpRequest | None = None
) -> Invitation:
    """Move the end of the access (at most 365 days from today), before or after acceptance."""
    _check_manage(actor, invitation)
    _check_until(until)
    with transaction.atomic():
        invitation = _locked(invitation)
        if invitation.status == Invitation.Status.REVOKED:
            raise ValidationError(_("Diese Einladung wurde widerrufen."))
        access = invitation.access
        if invitation.status == Invitation.Status.ACCEPTED:
            if access is None or access.ended_at is not None:
                raise ValidationError(
                    _("Dieser Zugang ist bereits beendet. Laden Sie die Person neu ein.")
                )
            if isinstance(access, ProjectGuest):
                project_guest_set_until(actor=actor, guest=access, until=until)
            else:
                membership_change_role(
                    actor=actor, membership=access, role=access.role, until=until
                )
        before = snapshot(invitation, INVITATION_AUDITED_FIELDS)
        invitation.until = until
        invitation.save(update_fields=["until"])
        _invitation_recorded(
            actor=actor,
            invitation=invitation,
            request=request,
            action="extended",
            before=before,
            until=until,
        )
    return invitation


def invitation_end_access(
    *, actor: Actor, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """End an accepted access today; a guest left without any access is signed out everywhere."""
    _check_manage(actor, invitation)
    with transaction.atomic():
        invitation = _locked(invitation)
        access = invitation.access
        if invitation.status != Invitation.Status.ACCEPTED or access is None:
            raise ValidationError(_("Nur ein angenommener Zugang kann beendet werden."))
        if access.ended_at is not None:
            return invitation
        if isinstance(access, ProjectGuest):
            project_guest_end(actor=actor, guest=access)
        else:
            membership_end(actor=actor, membership=access)
        security_log(
            kind=SecurityEvent.Kind.INVITATION,
            user=actor,
            request=request,
            action="access_ended",
            invitation=invitation.pk,
        )
        user = access.person.user
        transaction.on_commit(lambda: end_sessions_without_access(user=user))
    return invitation


def end_sessions_without_access(*, user: Actor) -> int:
    """Sign an external account out everywhere once no access of it runs any more."""
    forget_cached_facts(user)
    if has_active_access(user):
        return 0
    return user_sessions_end(user=user, reason="access_ended")


def _invited_email(token_hash: str) -> str:
    return (
        Invitation.objects.filter(token_hash=token_hash).values_list("email", flat=True).first()
        or ""
    )


def _confirm_existing_account(
    request: HttpRequest | None, token_hash: str, password: str
) -> User | None:
    """An existing account's owner proves it with the current password, counted by the same
    lock-out as the sign-in. Checked before the transaction, so a failure stays in the
    security log. Returns the account that was confirmed (None if the address has none)."""
    existing = User.objects.filter(email__iexact=_invited_email(token_hash)).first()
    if existing is None or not (existing.is_active and existing.has_usable_password()):
        return None
    if not verify_password(request, existing, password):
        raise ValidationError({"password": _("Das Passwort ist nicht richtig.")}, code="password")
    return existing


def _locked_pending(token_hash: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("space", "project", "invited_by")
        .filter(token_hash=token_hash)
        .first()
    )
    if invitation is None:
        raise InvitationUnavailable("unknown")
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationUnavailable(invitation.status)
    return invitation


def _accepting_account(
    invitation: Invitation,
    *,
    user: User | None,
    confirmed: User | None,
    password: str,
    first_name: str,
    last_name: str,
) -> User:
    """The signed-in account, the confirmed existing one, or a new one with `password`."""
    if user is not None:
        if user.email.lower() != invitation.email.lower():
            raise PermissionDenied
        return User.objects.select_for_update().get(pk=user.pk)
    account = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if account is not None and not account.is_active:
        raise PermissionDenied
    if account is not None and account.has_usable_password():
        if confirmed is None or confirmed.pk != account.pk:
            raise InvitationUnavailable("accepted")  # the account appeared meanwhile
        return account
    if account is None:
        # Its access comes only from this (and later) invitations, and ends with it.
        account = User(email=invitation.email, invited_account=True)
    account.first_name = first_name.strip()[:150] or invitation.first_name
    account.last_name = last_name.strip()[:150] or invitation.last_name
    validate_password(password, user=account)
    account.set_password(password)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # the same address was created a moment ago
        raise InvitationUnavailable("accepted") from exc
    return account


def _prove_address(account: User) -> None:
    """The secret link reached this mailbox: the address is verified and primary."""
    EmailAddress.objects.filter(user=account).exclude(email__iexact=account.email).update(
        primary=False
    )
    address, _created = EmailAddress.objects.get_or_create(
        user=account, email__iexact=account.email, defaults={"email": account.email}
    )
    if not (address.verified and address.primary):
        address.verified = True
        address.primary = True
        address.save(update_fields=["verified", "primary"])


def _profile_with_consent(account: User, invitation: Invitation, now: dt.datetime) -> Person:
    person = Person.objects.filter(user=account).first()
    if person is None:
        # A guest is always external, whatever authority the invitation names.
        authority = None if invitation.role == "guest" else invitation.authority
        person = Person.objects.create(
            user=account,
            authority=authority,
            organisation=None if authority else invitation.organisation,
        )
    person.terms_accepted_at = now
    person.privacy_accepted_at = now
    person.save(update_fields=["terms_accepted_at", "privacy_accepted_at"])
    return person


def _grant_access(invitation: Invitation, person: Person) -> None:
    target = invitation.target
    if isinstance(target, Project):
        # The projects app checks that the inviter (ITD) may still invite to the project.
        invitation.project_guest = project_guest_add(
            actor=invitation.invited_by,
            project=target,
            person=person,
            until=invitation.until,
        )
    else:
        # The role was checked when the invitation was issued: the system carries it out for
        # the inviter (MEMBERSHIP "add"), who may have moved on since.
        invitation.membership = membership_create(
            actor=SYSTEM_ACTOR,
            space=target,
            person=person,
            role=invitation.role,
            until=invitation.until,
            invited_by=invitation.invited_by,
        )


def invitation_accept(
    *,
    token: str,
    user: User | None,
    password: str = "",
    first_name: str = "",
    last_name: str = "",
    request: HttpRequest | None = None,
) -> tuple[Invitation, User]:
    """Accept once: the account (new or existing), the terms, the membership, in one transaction.

    `user` is the signed-in account (its address must be the invited one) or None: then a new
    account is created with `password` (the password rules apply), an existing account is linked
    when `password` is its current one, and an account without a password gets `password`.
    """
    token_hash = invitation_token_hash(token)
    confirmed = (
        None if user is not None else _confirm_existing_account(request, token_hash, password)
    )
    with transaction.atomic():
        invitation = _locked_pending(token_hash)
        account = _accepting_account(
            invitation,
            user=user,
            confirmed=confirmed,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
        _prove_address(account)
        now = timezone.now()
        person = _profile_with_consent(account, invitation, now)
        _grant_access(invitation, person)
        before = snapshot(invitation, INVITATION_AUDITED_FIELDS)
        invitation.accepted_at = now
        invitation.accepted_by = account
        invitation.save(update_fields=["accepted_at", "accepted_by", "membership", "project_guest"])
        _invitation_recorded(
            actor=account,
            invitation=invitation,
            request=request,
            action="accepted",
            before=before,
            target=str(invitation.target),
        )
        events.emit(events.INVITATION_ACCEPTED, invitation=invitation, actor=account)
    return invitation, account


# --- Guest access ending and retention -----------------------------------------------------


def guest_access_end_expired() -> int:
    """The daily job: close memberships and project invitations past their end, and sign out
    every account whose access depended on them."""
    memberships_close_expired()
    project_guests_close_expired()
    candidates = (
        invitation_bound_users()
        .filter(usersession__isnull=False)
        .exclude(pk__in=Membership.objects.active().values("person__user_id"))
        .exclude(pk__in=ProjectGuest.objects.active().values("person__user_id"))
        .exclude(pk__in=DigitalOfficer.objects.active().values("person__user_id"))
    )
    ended = 0
    for user in candidates.distinct():
        ended += user_sessions_end(user=user, reason="access_ended")
    return ended


def _last_access_end(person: Person, on: dt.date) -> dt.date | None:
    """The day the person's last access (space or project) ended; None while one runs."""
    accesses: list[Membership | ProjectGuest] = [
        *person.memberships.all(),
        *person.project_guests.all(),
    ]
    ends: list[dt.date] = []
    for access in accesses:
        if access.ended_at is None and (access.until is None or access.until >= on):
            return None
        ends.append(access.until or timezone.localdate(access.ended_at))
    return max(ends) if ends else None


def guests_anonymise_after_retention(*, on: dt.date | None = None) -> int:
    """Retention: external accounts whose last access ended more than N days ago are anonymised."""
    on = on or today()
    cutoff = on - dt.timedelta(days=settings.GUEST_RETENTION_DAYS)
    prefetch = ["memberships", "project_guests"]
    people = (
        Person.objects.filter(user__in=invitation_bound_users())
        .exclude(user__email__endswith="@anonymisiert.invalid")
        .select_related("user")
        .prefetch_related(*prefetch)
    )
    done = 0
    for person in people:
        last_end = _last_access_end(person, on)
        if last_end is not None and last_end < cutoff:
            user_anonymise(actor=SYSTEM_ACTOR, user=person.user, reason="retention")
            done += 1
    return done
