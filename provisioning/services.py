"""Writes of the provisioning app: what the city's identity management (IdM) asks for by SCIM.

The IdM acts as the system (SYSTEM_ACTOR) through the services of the apps below, so the same
checks, audit entries and security-log entries apply as when ITD does it by hand:

- a new user is a portal account with a profile (contacts), without a password: the person
  signs in with the staff account (identity);
- a user's groups give and end roles only through ITD's claims table
  (`identity.services.claims_apply`, the same as at every sign-in), and only while it is active;
- deactivation (`active: false`, or DELETE) ends, in one transaction: the roles its groups gave,
  every open membership, officer role and project guest access, the open invitations to its
  address, and then the account itself (`is_active`), which ends its sessions
  (`contacts.services.user_access_changed`) and revokes its API tokens (`tokens.receivers`).
  Audited, and one `sso`/`scim_deactivated` entry in the security log names what ended;
- reactivation sets the account active again; its roles come back through its groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access.services import invitations_revoke_for
from contacts.models import DigitalOfficer, Person, User
from contacts.services import officer_end, person_save, user_save
from core.audiences import SYSTEM_ACTOR
from core.models import AuditEntry, SecurityEvent
from core.services import audit_record, diff, security_log, snapshot
from identity.services import claims_apply
from projects.models import ProjectGuest
from projects.services import project_guest_end
from spaces.models import Membership
from spaces.services import membership_close
from tokens.models import ApiToken

from .models import ScimGroup, ScimUser, new_scim_id

USER_AUDITED = ("user_name", "external_id")
GROUP_AUDITED = ("display_name", "external_id")


class ProvisioningError(Exception):
    """A request the portal refuses; `kind` says which SCIM error it is (RFC 7644, 3.12)."""

    def __init__(self, message: str, *, kind: str = "invalidValue", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class UserData:
    """A user as the IdM describes it (already checked for form by the SCIM adapter)."""

    user_name: str
    email: str
    given_name: str
    family_name: str
    active: bool
    external_id: str


def email_allowed(email: str) -> bool:
    """An address in one of SCIM_ALLOWED_DOMAINS or one of their subdomains."""
    domain = email.rpartition("@")[2].lower()
    return bool(domain) and any(
        domain == allowed or domain.endswith("." + allowed)
        for allowed in settings.SCIM_ALLOWED_DOMAINS
    )


def _check(data: UserData, scim_user: ScimUser | None) -> None:
    if not email_allowed(data.email):
        raise ProvisioningError(
            f"The address {data.email} is not in the city's domains "
            f"({', '.join(settings.SCIM_ALLOWED_DOMAINS)}): this portal does not provision it."
        )
    taken = ScimUser.objects.filter(user_name__iexact=data.user_name)
    if scim_user is not None:
        taken = taken.exclude(pk=scim_user.pk)
    if taken.exists():
        raise ProvisioningError(
            f"userName {data.user_name} is taken by another user.", kind="uniqueness", status=409
        )
    other = User.objects.filter(email__iexact=data.email)
    if scim_user is not None:
        other = other.exclude(pk=scim_user.user_id)
        if other.exists():
            raise ProvisioningError(
                f"Another portal account has the address {data.email}.",
                kind="uniqueness",
                status=409,
            )
    elif ScimUser.objects.filter(user__email__iexact=data.email).exists():
        raise ProvisioningError(
            f"A user with the address {data.email} exists already.", kind="uniqueness", status=409
        )


def _log(user: User, action: str, **detail: Any) -> None:
    security_log(kind=SecurityEvent.Kind.SSO, user=user, action=action, by="scim", **detail)


def _group_names(scim_user: ScimUser) -> list[str]:
    return list(scim_user.groups.values_list("display_name", flat=True))


def roles_apply(scim_user: ScimUser) -> dict[str, list[str]]:
    """The user's roles from its groups now, by ITD's claims table (none while deactivated)."""
    user = scim_user.user
    groups = _group_names(scim_user) if user.is_active and scim_user.deleted_at is None else []
    return claims_apply(user=user, groups=groups)


# --- Users -----------------------------------------------------------------------------------


def user_provision(*, data: UserData) -> ScimUser:
    """A new user of the IdM: a new portal account, or the existing one with that address (an
    account made earlier by the sign-in, or deleted by the IdM before) taken under its care."""
    with transaction.atomic():
        _check(data, None)
        user = User.objects.select_for_update().filter(email__iexact=data.email).first()
        adopted = user is not None
        if user is None:
            user = User(email=data.email, is_active=data.active)
            user.set_unusable_password()  # signs in with the staff account only
        user.first_name = data.given_name
        user.last_name = data.family_name
        user_save(actor=SYSTEM_ACTOR, user=user)
        if not Person.objects.filter(user=user).exists():
            person_save(actor=SYSTEM_ACTOR, person=Person(user=user))
        scim_user = ScimUser.everything.filter(user=user).first()
        if scim_user is None:
            scim_user = ScimUser(user=user)
        else:  # deleted by the IdM before: a new resource with a new id (RFC 7644, 3.6)
            scim_user.scim_id = new_scim_id()
            scim_user.deleted_at = None
        scim_user.user_name = data.user_name
        scim_user.external_id = data.external_id
        scim_user.updated_at = timezone.now()
        scim_user.save()
        audit_record(
            actor=SYSTEM_ACTOR,
            instance=scim_user,
            action=AuditEntry.Action.CREATE,
            changes=diff({}, snapshot(scim_user, USER_AUDITED)),
        )
        _log(user, "scim_created", adopted=adopted, user_name=data.user_name)
        if adopted and user.is_active != data.active:
            _set_active(scim_user, data.active)
    return scim_user


def user_update(*, scim_user: ScimUser, data: UserData) -> ScimUser:
    """The IdM changed a user (PUT, or PATCH applied to what the portal holds)."""
    with transaction.atomic():
        scim_user = ScimUser.objects.select_for_update().select_related("user").get(pk=scim_user.pk)
        _check(data, scim_user)
        before = snapshot(scim_user, USER_AUDITED)
        user = scim_user.user
        user.email = data.email
        user.first_name = data.given_name
        user.last_name = data.family_name
        user_save(actor=SYSTEM_ACTOR, user=user)
        scim_user.user_name = data.user_name
        scim_user.external_id = data.external_id
        scim_user.updated_at = timezone.now()
        scim_user.save()
        audit_record(
            actor=SYSTEM_ACTOR,
            instance=scim_user,
            action=AuditEntry.Action.UPDATE,
            changes=diff(before, snapshot(scim_user, USER_AUDITED)),
        )
        if user.is_active != data.active:
            _set_active(scim_user, data.active)
    return scim_user


def _set_active(scim_user: ScimUser, active: bool) -> None:
    if active:
        user_reactivate(scim_user=scim_user)
    else:
        user_deactivate(scim_user=scim_user)


def user_deactivate(*, scim_user: ScimUser, action: str = "scim_deactivated") -> dict[str, Any]:
    """End the account and everything it could still do, at once. Returns what ended."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=scim_user.user_id)
        person = Person.objects.filter(user=user).first()
        sessions = UserSession.objects.filter(user=user).count()
        tokens = ApiToken.objects.filter(owner=user, revoked_at__isnull=True).count()
        ended: dict[str, Any] = {
            "roles_from_groups": claims_apply(user=user, groups=[])["ended"],
            "memberships": 0,
            "officer_roles": 0,
            "project_guests": 0,
        }
        if person is not None:
            for membership in Membership.objects.open().filter(person=person):
                membership_close(membership=membership, actor=None)  # the system
                ended["memberships"] += 1
            for officer in DigitalOfficer.objects.open().filter(person=person):
                officer_end(actor=SYSTEM_ACTOR, officer=officer)
                ended["officer_roles"] += 1
            for guest in ProjectGuest.objects.open().filter(person=person):
                project_guest_end(actor=SYSTEM_ACTOR, guest=guest)
                ended["project_guests"] += 1
        ended["invitations"] = invitations_revoke_for(email=user.email, reason="scim_deactivated")
        user.refresh_from_db()
        if user.is_active:
            user.is_active = False
            user_save(actor=SYSTEM_ACTOR, user=user)  # ends the sessions; the tokens go too
        ended["sessions"] = sessions
        ended["api_tokens"] = tokens
        audit_record(
            actor=SYSTEM_ACTOR,
            instance=scim_user,
            action=AuditEntry.Action.UPDATE,
            changes={"active": {"old": True, "new": False}, "ended": {"old": None, "new": ended}},
        )
        _log(user, action, user_name=scim_user.user_name, ended=ended)
    return ended


def user_reactivate(*, scim_user: ScimUser) -> None:
    """The account may sign in again; its roles come back through its groups (the claims
    table), what ended by hand does not."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=scim_user.user_id)
        if not user.is_active:
            user.is_active = True
            user_save(actor=SYSTEM_ACTOR, user=user)
            audit_record(
                actor=SYSTEM_ACTOR,
                instance=scim_user,
                action=AuditEntry.Action.UPDATE,
                changes={"active": {"old": False, "new": True}},
            )
            _log(user, "scim_reactivated", user_name=scim_user.user_name)
        scim_user.refresh_from_db()
        roles_apply(scim_user)


def user_delete(*, scim_user: ScimUser) -> None:
    """DELETE by the IdM: the account is deactivated and leaves every group, never removed (the
    portal keeps its history); SCIM answers 404 for it from now on."""
    with transaction.atomic():
        scim_user = ScimUser.objects.select_for_update().get(pk=scim_user.pk)
        scim_user.groups.clear()
        user_deactivate(scim_user=scim_user, action="scim_deleted")
        scim_user.deleted_at = timezone.now()
        scim_user.save(update_fields=["deleted_at"])
        audit_record(
            actor=SYSTEM_ACTOR,
            instance=scim_user,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(scim_user, USER_AUDITED), {}),
        )


# --- Groups ----------------------------------------------------------------------------------


def group_save(
    *,
    group: ScimGroup,
    display_name: str,
    external_id: str,
    members: list[ScimUser] | None,
) -> ScimGroup:
    """Create or change a group; `members` None leaves them as they are. Every user who joined
    or left gets its roles from its groups again."""
    with transaction.atomic():
        created = group.pk is None
        before = {} if created else snapshot(group, GROUP_AUDITED)
        taken = ScimGroup.objects.filter(display_name__iexact=display_name)
        if not created:
            taken = taken.exclude(pk=group.pk)
        if taken.exists():
            raise ProvisioningError(
                f"A group named {display_name} exists already.", kind="uniqueness", status=409
            )
        group.display_name = display_name
        group.external_id = external_id
        group.updated_at = timezone.now()
        group.save()
        changed: set[int] = set()
        old_ids = set() if created else set(group.members.values_list("pk", flat=True))
        if members is not None:
            new_ids = {m.pk for m in members}
            changed = old_ids ^ new_ids
            group.members.set(members)
        elif before.get("display_name") != display_name:
            changed = old_ids  # the claim of every member changed
        changes = diff(before, snapshot(group, GROUP_AUDITED))
        if members is not None and changed:
            names = dict(ScimUser.everything.filter(pk__in=changed).values_list("pk", "user_name"))
            changes["members"] = {
                "old": sorted(names[pk] for pk in changed & old_ids),
                "new": sorted(names[pk] for pk in changed - old_ids),
            }
        audit_record(
            actor=SYSTEM_ACTOR,
            instance=group,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            changes=changes,
        )
        for scim_user in ScimUser.everything.filter(pk__in=changed).select_related("user"):
            roles_apply(scim_user)
    return group


def group_delete(*, group: ScimGroup) -> None:
    """The group is gone at the IdM: its members lose what it gave them."""
    with transaction.atomic():
        members = list(group.members.select_related("user"))
        audit_record(
            actor=SYSTEM_ACTOR,
            instance=group,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(group, GROUP_AUDITED), {}),
        )
        group.delete()
        for scim_user in members:
            roles_apply(scim_user)
