"""Writes of the identity app: ITD's table of claims and roles, and applying a person's claims
at every sign-in through the provider.

Applying is exact both ways: a role the claims call for is given (unless the person already
holds it by hand, which stays theirs), and a role a claim gave ends when the claim is gone, and
nothing else ends. Every change is audited with the claim that caused it; a role that ends
ends the person's sessions too (contacts.services), so no session outlives a role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Authority, DigitalOfficer, Person, User
from contacts.permissions import forget_cached_facts
from contacts.services import (
    officer_end,
    officer_save,
    person_save,
    user_access_changed,
    user_save,
)
from core.audiences import SYSTEM_ACTOR, Actor
from core.dates import today
from core.models import AuditEntry, SecurityEvent
from core.services import audit_record, diff, security_log, snapshot
from spaces.models import Membership, Space
from spaces.services import membership_close, membership_create

from .models import (
    NEEDS_AUTHORITY,
    NEEDS_SPACE,
    OFFICER_ROLES,
    SPACE_ROLES,
    ClaimGrant,
    ClaimRule,
    Grants,
    ProviderSession,
    SeenLogoutToken,
)
from .permissions import CLAIM_RULE, GLOBAL

RULE_AUDITED = ("claim", "grants", "space", "authority")
# How long the jti of a logout token is kept (far longer than OIDC_LOGOUT_TOKEN_MAX_AGE).
LOGOUT_TOKEN_MEMORY = dt.timedelta(days=1)

# --- ITD's table ---------------------------------------------------------------------------


def claim_rule_create(
    *,
    actor: Actor,
    claim: str,
    grants: str,
    space: Space | None = None,
    authority: Authority | None = None,
) -> ClaimRule:
    if not GLOBAL.can(actor, "manage_claims"):
        raise PermissionDenied
    rule = ClaimRule(
        claim=claim.strip(),
        grants=grants,
        space=space if grants in NEEDS_SPACE else None,
        authority=authority if grants in NEEDS_AUTHORITY else None,
        created_by=actor,
    )
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        audit_record(
            actor=actor,
            instance=rule,
            action=AuditEntry.Action.CREATE,
            changes=diff({}, snapshot(rule, RULE_AUDITED)),
        )
    return rule


def claim_rule_delete(*, actor: Actor, rule: ClaimRule) -> None:
    """The roles the rule gave end at each person's next sign-in (or SCIM update)."""
    if not CLAIM_RULE.can(actor, "delete", rule):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            instance=rule,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(rule, RULE_AUDITED), {}),
        )
        rule.delete()


# --- Applying the claims -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    grants: str
    space_id: int | None
    authority_id: int | None


def wanted_roles(groups: Iterable[str]) -> dict[Target, str]:
    """The roles the claims call for, each with the claim that calls for it. Where two rules
    disagree, the stronger wins: coordination over membership in a space, the officer over the
    deputy of an authority, and one authority per person (the first claim by name)."""
    wanted: dict[Target, str] = {}
    for rule in ClaimRule.objects.filter(claim__in=list(groups)).order_by("claim", "id"):
        target = Target(rule.grants, rule.space_id, rule.authority_id)
        wanted.setdefault(target, rule.claim)
    for weaker, stronger in ((Grants.MEMBER, Grants.COORDINATOR), (Grants.DEPUTY, Grants.OFFICER)):
        for target in [t for t in wanted if t.grants == weaker]:
            if Target(stronger, target.space_id, target.authority_id) in wanted:
                del wanted[target]
    authorities = sorted(
        (t for t in wanted if t.grants == Grants.AUTHORITY), key=lambda target: wanted[target]
    )
    for extra in authorities[1:]:
        del wanted[extra]
    return wanted


def _log(user: User, action: str, grant: ClaimGrant) -> None:
    target = grant.space or grant.authority
    security_log(
        kind=SecurityEvent.Kind.SSO,
        user=user,
        action=action,
        claim=grant.claim,
        role=grant.grants,
        target=str(target) if target is not None else "",
    )


def _give(user: User, person: Person, target: Target, claim: str) -> ClaimGrant | None:
    """Give the role, or None when the person holds it by hand already (it stays theirs)."""
    grant = ClaimGrant(
        user=user,
        claim=claim,
        grants=target.grants,
        space_id=target.space_id,
        authority_id=target.authority_id,
    )
    if target.grants == Grants.ITD:
        if user.is_itd_staff:
            return None
        user.is_itd_staff = True
        user_save(actor=SYSTEM_ACTOR, user=user)
    elif target.grants in NEEDS_SPACE and target.space_id is not None:
        if Membership.objects.active().filter(person=person, space_id=target.space_id).exists():
            return None
        grant.membership = membership_create(
            actor=SYSTEM_ACTOR,
            space=Space.objects.get(pk=target.space_id),
            person=person,
            role=SPACE_ROLES[Grants(target.grants)],
        )
    elif target.grants in OFFICER_ROLES and target.authority_id is not None:
        held = DigitalOfficer.objects.active().filter(
            person=person, authority_id=target.authority_id
        )
        if held.exists():
            return None
        grant.officer = officer_save(
            actor=SYSTEM_ACTOR,
            officer=DigitalOfficer(
                person=person,
                authority_id=target.authority_id,
                role=OFFICER_ROLES[Grants(target.grants)],
                since=today(),
            ),
        )
    elif target.grants == Grants.AUTHORITY and target.authority_id is not None:
        if person.authority_id is not None:
            return None
        person.authority_id = target.authority_id
        person_save(actor=SYSTEM_ACTOR, person=person)
    else:  # a rule without its target (the table's constraint forbids it)
        return None
    grant.save()
    audit_record(
        actor=SYSTEM_ACTOR,
        instance=grant,
        action=AuditEntry.Action.CREATE,
        changes={
            "claim": {"old": None, "new": claim},
            "grants": {"old": None, "new": grant.grants},
        },
    )
    _log(user, "granted", grant)
    return grant


def _still_held(grant: ClaimGrant) -> bool:
    """Is the row the claim gave still in force (not ended by hand meanwhile)?"""
    if grant.grants in NEEDS_SPACE:
        return grant.membership is not None and grant.membership.ended_at is None
    if grant.grants in OFFICER_ROLES:
        return grant.officer is not None and grant.officer.ended_at is None
    return True


def _end(user: User, person: Person, grant: ClaimGrant) -> None:
    if grant.grants == Grants.ITD:
        if user.is_itd_staff:
            user.is_itd_staff = False
            user_save(actor=SYSTEM_ACTOR, user=user)
    elif grant.grants in NEEDS_SPACE:
        if grant.membership is not None and grant.membership.ended_at is None:
            membership_close(membership=grant.membership, actor=None)  # the system
    elif grant.grants in OFFICER_ROLES:
        if grant.officer is not None and grant.officer.ended_at is None:
            officer_end(actor=SYSTEM_ACTOR, officer=grant.officer)
    elif person.authority_id == grant.authority_id:
        person.authority = None
        person_save(actor=SYSTEM_ACTOR, person=person)
    grant.ended_at = timezone.now()
    grant.save(update_fields=["ended_at"])
    audit_record(
        actor=SYSTEM_ACTOR,
        instance=grant,
        action=AuditEntry.Action.UPDATE,
        changes={"ended_at": {"old": None, "new": grant.ended_at.isoformat()}},
    )
    _log(user, "ended", grant)


def claims_apply(*, user: User, groups: Iterable[str]) -> dict[str, list[str]]:
    """Bring the person's roles from the provider in line with their groups now. Returns what
    changed ({"granted": [...], "ended": [...]}, as "role (claim)")."""
    changed: dict[str, list[str]] = {"granted": [], "ended": []}
    given_to = user
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        person, _created = Person.objects.get_or_create(user=user)
        wanted = wanted_roles(groups)
        open_grants = {
            Target(g.grants, g.space_id, g.authority_id): g
            for g in ClaimGrant.objects.filter(user=user, ended_at__isnull=True).select_related(
                "membership", "officer", "space", "authority"
            )
        }
        for target, grant in open_grants.items():
            if target not in wanted or not _still_held(grant):
                _end(user, person, grant)
                changed["ended"].append(f"{grant.grants} ({grant.claim})")
        held = {t for t, g in open_grants.items() if t in wanted and _still_held(g)}
        for target, claim in wanted.items():
            if target in held:
                continue
            try:
                with transaction.atomic():
                    given = _give(user, person, target, claim)
            except (ValidationError, PermissionDenied) as error:
                # A role the portal cannot give (e.g. a guest's running membership in the space):
                # logged for ITD, the sign-in goes on with the other roles.
                security_log(
                    kind=SecurityEvent.Kind.SSO,
                    user=user,
                    action="refused",
                    claim=claim,
                    role=target.grants,
                    reason=str(error)[:200],
                )
                continue
            if given is not None:
                changed["granted"].append(f"{given.grants} ({claim})")
        if changed["ended"]:
            # A role is gone: whoever holds a session of the account signs in again (a new role
            # needs no new session, as when it is given by hand).
            user_access_changed(
                actor=SYSTEM_ACTOR,
                user=user,
                changes={"roles_from_claims": {"old": changed["ended"], "new": None}},
            )
    # The caller's object (the sign-in goes on with it: its access is checked next) shows the
    # roles as they are now, not as they were read before.
    given_to.refresh_from_db()
    forget_cached_facts(given_to)
    return changed


# --- Logout everywhere ---------------------------------------------------------------------


def provider_session_record(*, user: User, session_key: str, remembered: dict[str, str]) -> None:
    """At the sign-in through the provider: this portal session belongs to that provider
    session (its `sid`) and person (`sub`)."""
    if not session_key:
        return
    ProviderSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "provider": remembered.get("provider", ""),
            "sid": remembered.get("sid", ""),
            "sub": remembered.get("sub", ""),
            "user": user,
        },
    )


class LogoutTokenReplayed(Exception):
    """A logout token whose `jti` came in before."""


def provider_sessions_end(*, provider: str, claims: dict[str, Any]) -> int:
    """The provider's back-channel logout: end the portal sessions of its session `sid` (or of
    its person `sub`, when the token names no session). The token's `jti` is taken once.
    Returns how many portal sessions ended."""
    issuer, jti = str(claims.get("iss", "")), str(claims["jti"])
    sid, sub = str(claims.get("sid") or ""), str(claims.get("sub") or "")
    with transaction.atomic():
        try:
            with transaction.atomic():
                SeenLogoutToken.objects.create(issuer=issuer, jti=jti)
        except IntegrityError as seen:
            raise LogoutTokenReplayed(jti) from seen
        sessions = ProviderSession.objects.filter(provider=provider)
        if sid:
            sessions = sessions.filter(sid=sid)
        if sub:
            sessions = sessions.filter(sub=sub)
        ended = 0
        users: set[int] = set()
        keys = list(sessions.values_list("session_key", flat=True))
        for session in UserSession.objects.filter(session_key__in=keys).select_related("user"):
            users.add(session.user_id)
            session.end()
            ended += 1
        sessions.delete()
        for user in User.objects.filter(pk__in=users):
            security_log(
                kind=SecurityEvent.Kind.SSO,
                user=user,
                action="backchannel_logout",
                provider=provider,
                sessions=ended,
            )
        # Tokens older than their longest life cannot come again (too old): forget them.
        SeenLogoutToken.objects.filter(seen_at__lt=timezone.now() - LOGOUT_TOKEN_MEMORY).delete()
    return ended
