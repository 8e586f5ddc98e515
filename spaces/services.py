"""Writes for memberships. Each checks permission, validates, audits, atomically.

A person whose role in a space changes or ends signs in again under the new role: their
sessions end with the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from contacts.models import Authority, Organisation, Person
from contacts.services import user_access_changed
from core import events
from core.audiences import Actor, SystemActor
from core.dates import guest_until_errors, today
from core.models import AuditEntry
from core.services import audit_record, diff, snapshot, timebox_close

from .models import Membership, Space
from .permissions import MEMBERSHIP, assignable_roles

AUDITED_FIELDS = (
    "person",
    "space",
    "role",
    "authority",
    "organisation",
    "since",
    "until",
    "ended_at",
)


def _check_guest_until(role: str, until: dt.date | None) -> None:
    """A guest's access always ends, at most GUEST_ACCESS_MAX_DAYS days from today."""
    if role == Membership.Role.GUEST:
        errors = guest_until_errors(until)
        if errors:
            raise ValidationError({"until": errors})


def _close_expired(*, person: Person, space: Space, on: dt.date) -> None:
    """Memberships whose end date has passed are closed before a new one may open."""
    for membership in Membership.objects.past_until(on).filter(person=person, space=space):
        membership_close(membership=membership, actor=None)


def _roles_changed(*, actor: Actor | None, membership: Membership, changes: dict[str, Any]) -> None:
    """The person signs in again under the new role (their sessions end in the same
    transaction, so a rolled-back change keeps them)."""
    user = membership.person.user
    user_access_changed(actor=actor, user=user, changes={"space": membership.space.slug, **changes})


def membership_create(
    *,
    actor: Actor | SystemActor,
    space: Space,
    person: Person,
    role: str,
    authority: Authority | None = None,
    organisation: Organisation | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    invited_by: Actor | None = None,
) -> Membership:
    """Add a person to a space (MEMBERSHIP "add"). An accepted invitation is carried out by the
    system for the one who issued it (`invited_by`): the audit trail and the notices name them."""
    if not MEMBERSHIP.can(actor, "add", Membership(space=space, role=role)):
        raise PermissionDenied
    acting: Actor | SystemActor = invited_by if invited_by is not None else actor
    since = since or today()
    _check_guest_until(role, until)
    if authority is None and organisation is None:
        authority, organisation = person.authority, person.organisation
    if role == Membership.Role.GUEST:
        authority = None  # a guest is always external and represents no authority
    membership = Membership(
        person=person,
        space=space,
        role=role,
        authority=authority,
        organisation=organisation,
        since=since,
        until=until,
        invited_by=acting if acting.is_authenticated else None,
    )
    with transaction.atomic():
        _close_expired(person=person, space=space, on=today())
        membership.full_clean()
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError as exc:  # a concurrent request won the race
            raise ValidationError(_("Diese Person ist bereits Mitglied dieses Raums.")) from exc
        audit_record(
            actor=acting,
            instance=membership,
            action=AuditEntry.Action.CREATE,
            changes=diff({}, snapshot(membership, AUDITED_FIELDS)),
        )
        events.emit(events.MEMBERSHIP_ADDED, membership=membership, actor=acting)
    return membership


def membership_change_role(
    *, actor: Actor, membership: Membership, role: str, until: dt.date | None = None
) -> Membership:
    if not MEMBERSHIP.can(actor, "change", membership):
        raise PermissionDenied
    if role not in assignable_roles(actor, membership.space):
        raise PermissionDenied
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.ended_at is not None:
            raise ValidationError(_("Diese Mitgliedschaft ist bereits beendet."))
        before = snapshot(membership, AUDITED_FIELDS)
        if role == Membership.Role.GUEST and (until != membership.until or role != membership.role):
            _check_guest_until(role, until)
        membership.role = role
        if until is not None or role != Membership.Role.GUEST:
            membership.until = until
        if role == Membership.Role.GUEST:
            membership.authority = None  # a guest is always external
        membership.full_clean()
        membership.save(update_fields=["role", "until", "authority"])
        changes = diff(before, snapshot(membership, AUDITED_FIELDS))
        audit_record(
            actor=actor, instance=membership, action=AuditEntry.Action.UPDATE, changes=changes
        )
        if "role" in changes:
            _roles_changed(actor=actor, membership=membership, changes=changes)
        if changes:
            events.emit(
                events.MEMBERSHIP_CHANGED, membership=membership, actor=actor, changes=changes
            )
    return membership


def membership_end(*, actor: Actor, membership: Membership) -> Membership:
    if not MEMBERSHIP.can(actor, "change", membership):
        raise PermissionDenied
    with transaction.atomic():
        membership, was_open = timebox_close(
            actor=actor, obj=membership, audited_fields=AUDITED_FIELDS
        )
        if was_open:
            _roles_changed(
                actor=actor,
                membership=membership,
                changes={"role": {"old": snapshot(membership, ("role",))["role"], "new": None}},
            )
            events.emit(events.MEMBERSHIP_ENDED, membership=membership, actor=actor)
    return membership


def membership_close(*, membership: Membership, actor: Actor | None) -> Membership:
    """End a membership now (by hand) or because its end date passed (actor None: the system)."""
    with transaction.atomic():
        closed, was_open = timebox_close(actor=actor, obj=membership, audited_fields=AUDITED_FIELDS)
        if was_open:
            events.emit(events.MEMBERSHIP_ENDED, membership=closed, actor=actor)
    return closed


def memberships_close_expired(*, on: dt.date | None = None) -> int:
    """The daily job: close every open membership whose end date has passed."""
    closed = 0
    for membership in Membership.objects.past_until(on).select_related("space"):
        membership_close(membership=membership, actor=None)
        closed += 1
    return closed
