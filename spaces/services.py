"""Writes for spaces and memberships. Each checks permission, validates, audits, atomically."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Authority, Organisation, Person, today
from core.dates import guest_until_errors
from core.models import AuditEntry
from core.services import audit_record, diff, snapshot

from . import permissions
from .models import Membership, Space

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
    for membership in Membership.objects.open().filter(person=person, space=space, until__lt=on):
        membership_close(membership=membership, actor=None)


def membership_create(
    *,
    actor,
    space: Space,
    person: Person,
    role: str,
    authority: Authority | None = None,
    organisation: Organisation | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    check_permission: bool = True,
) -> Membership:
    if check_permission:
        if not permissions.can_manage_members(actor, space):
            raise PermissionDenied
        if role not in permissions.assignable_roles(actor, space):
            raise PermissionDenied
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
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
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
            actor=actor,
            instance=membership,
            action=AuditEntry.Action.CREATE,
            changes=diff({}, snapshot(membership, AUDITED_FIELDS)),
        )
    return membership


def membership_change_role(
    *, actor, membership: Membership, role: str, until: dt.date | None = None
) -> Membership:
    if not permissions.can_change_membership(actor, membership):
        raise PermissionDenied
    if role not in permissions.assignable_roles(actor, membership.space):
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
            actor=actor,
            instance=membership,
            action=AuditEntry.Action.UPDATE,
            changes=changes,
        )
        if "role" in changes:
            _sessions_end_for_role_change(actor=actor, membership=membership, changes=changes)
    return membership


def membership_end(*, actor, membership: Membership) -> Membership:
    if not permissions.can_change_membership(actor, membership):
        raise PermissionDenied
    with transaction.atomic():
        was_open = Membership.objects.filter(pk=membership.pk, ended_at__isnull=True).exists()
        membership = membership_close(membership=membership, actor=actor)
        if was_open:
            _sessions_end_for_role_change(
                actor=actor,
                membership=membership,
                changes={"role": {"old": membership.get_role_display(), "new": None}},
            )
    return membership


def _sessions_end_for_role_change(*, actor, membership: Membership, changes: dict) -> None:
    """A person whose role in a space changed signs in again under the new role (issue 4)."""
    from contacts.services import user_access_changed

    user = membership.person.user
    user_access_changed(actor=actor, user=user, changes={"space": membership.space.slug, **changes})


def membership_close(*, membership: Membership, actor) -> Membership:
    """End a membership now (by hand) or because its end date passed (actor None: the system)."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.ended_at is not None:
            return membership  # ending twice does nothing twice
        before = snapshot(membership, AUDITED_FIELDS)
        on = today()
        if membership.until is None or membership.until > on:
            membership.until = max(on, membership.since)
        membership.ended_at = timezone.now()
        membership.save(update_fields=["until", "ended_at"])
        audit_record(
            actor=actor,
            instance=membership,
            action=AuditEntry.Action.UPDATE,
            changes=diff(before, snapshot(membership, AUDITED_FIELDS)),
        )
    return membership


def memberships_close_expired(*, on: dt.date | None = None) -> int:
    """The daily job: close every open membership whose end date has passed."""
    on = on or today()
    closed = 0
    for membership in Membership.objects.open().filter(until__lt=on).select_related("space"):
        membership_close(membership=membership, actor=None)
        closed += 1
    return closed
