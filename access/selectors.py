"""Reads of access by invitation: invitation lists, one invitation by its link, the account
security page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession
from django.core.paginator import Page, Paginator
from django.db.models import Q

from contacts.models import User
from contacts.security import MFA_TYPES
from core.audiences import Actor, Viewer
from core.models import SecurityEvent
from core.narrowing import Narrowed, clean_query, narrowed
from core.timebox import STATUS_ANNOTATION
from projects.models import Project

from .models import Invitation, InvitationQuerySet
from .permissions import INVITATION, mfa_required
from .services import invitation_token_hash

INVITATIONS_PER_PAGE = 50
PROJECTS_TO_PICK = 20  # matches the search for a project to invite a guest into shows at once


@dataclass
class InvitationRow:
    invitation: Invitation
    can_manage: bool


def invitations_page(
    viewer: Viewer, invitations: InvitationQuerySet, *, status: str, page: str | None
) -> tuple[Page[Invitation], list[InvitationRow], str]:
    """One page of invitations filtered by their status (the same SQL status the rows show);
    an unknown status shows all. Returns the page, its rows and the status applied."""
    invitations = invitations.with_status().select_related(
        "space",
        "project",
        "invited_by",
        "accepted_by",
        "membership",
        "project_guest",
        "organisation",
        "authority",
    )
    if status in Invitation.Status.values:
        invitations = invitations.filter(**{STATUS_ANNOTATION: status})
    else:
        status = ""
    paginated = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(page)
    rows = [InvitationRow(i, INVITATION.can(viewer, "manage", i)) for i in paginated.object_list]
    return paginated, rows, status


def projects_to_invite_into(
    viewer: Viewer, query: str, limit: int = PROJECTS_TO_PICK
) -> Narrowed[Project]:
    """The projects the viewer sees whose title or short name holds every word of `query`, in
    title order: the first `limit`, and how many match. Without a query none: a search, not a
    list of every project of the city."""
    if not clean_query(query):
        return Narrowed([], 0, "")
    return narrowed(
        Project.objects.visible_to(viewer).only("slug", "title"),
        query,
        ("title", "slug"),
        limit=limit,
        order=("title", "pk"),
    )


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.with_status()
        .select_related("space", "project", "invited_by", "organisation", "authority")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def accept_mode(user: Viewer, invitation: Invitation) -> str:
    """How the invited person accepts: signed in already, with the password of the account
    the address has, or by creating an account."""
    if user is not None and user.is_authenticated:
        return "signed_in"
    account = User.objects.filter(email__iexact=invitation.email).first()
    if account is not None and account.has_usable_password():
        return "existing"
    return "new"


def account_security_summary(user: Actor, *, session_key: str | None) -> dict[str, Any]:
    """What the account page shows: second factor, sessions and the latest sign-in events."""
    authenticators = {a.type: a for a in Authenticator.objects.filter(user_id=user.pk)}
    recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    sessions = list(UserSession.objects.filter(user=user).order_by("-last_seen_at"))
    kinds = (
        SecurityEvent.Kind.LOGIN,
        SecurityEvent.Kind.LOGIN_FAILED,
        SecurityEvent.Kind.LOGIN_REFUSED,
        SecurityEvent.Kind.MFA_CHANGED,
        SecurityEvent.Kind.PASSWORD_CHANGED,
        SecurityEvent.Kind.EMAIL_CHANGED,
        SecurityEvent.Kind.SESSIONS_ENDED,
    )
    events = SecurityEvent.objects.filter(kind__in=kinds).filter(
        Q(user=user) | Q(user__isnull=True, user_label__iexact=user.email)
    )[:8]
    return {
        "email": EmailAddress.objects.filter(user=user, primary=True).first(),
        "mfa_required": mfa_required(user),
        "totp": Authenticator.Type.TOTP in authenticators,
        "webauthn": Authenticator.Type.WEBAUTHN in authenticators,
        "enrolled": any(t in authenticators for t in MFA_TYPES),
        "recovery_codes_left": (
            len(RecoveryCodes(recovery).get_unused_codes()) if recovery is not None else None
        ),
        "sessions": sessions,
        "other_sessions": sum(1 for s in sessions if s.session_key != session_key),
        "events": events,
    }
