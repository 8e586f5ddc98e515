"""Every write of the personal API tokens: create (shown once), revoke, and the check of a token
at each use (`token_authenticate`), which the REST API (the `api` app) wraps in its
authentication class. docs/api-tokens.md describes the format and the pepper rotation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from access.permissions import has_active_access
from core.audiences import Actor
from core.models import SecurityEvent
from core.services import security_log
from spaces.models import Space

from . import selectors
from .models import KEY_ID_LENGTH, PREFIX, SCOPE_BEING_SET, SECRET_LENGTH, ApiToken
from .permissions import API_TOKEN, GLOBAL

LOG_KIND = SecurityEvent.Kind.API_TOKEN
MAX_DAYS = 365
NAME_MAX = 100
# Last use is written at most once a minute per token (one cheap UPDATE), and at once from an
# address the token was not last used from.
LAST_USE_EVERY = dt.timedelta(minutes=1)
# A refused use of a known token is logged at most once a minute per token and reason.
REFUSAL_LOG_EVERY = 60

_KEY_ALPHABET = "0123456789abcdef"
_SECRET_ALPHABET = string.ascii_letters + string.digits
TOKEN_PATTERN = re.compile(
    rf"{PREFIX}([0-9a-f]{{{KEY_ID_LENGTH}}})_([A-Za-z0-9]{{{SECRET_LENGTH}}})"
)
_BERLIN = ZoneInfo("Europe/Berlin")


class TokenRefused(Exception):  # noqa: N818 - what the API answers, not a programming error
    """A token that does not authenticate. `code` says why, for the log and the API's answer:
    malformed, unknown (no such token, or a wrong secret), revoked, expired, owner_inactive
    (the account was deactivated or deleted), access_ended (an invitation-bound account whose
    memberships and invitations have all ended)."""

    MESSAGES = {
        "malformed": "Das ist kein API-Token dieses Portals.",
        "unknown": "Dieses API-Token ist unbekannt.",
        "revoked": "Dieses API-Token wurde widerrufen.",
        "expired": "Dieses API-Token ist abgelaufen.",
        "owner_inactive": "Das Konto dieses API-Tokens ist deaktiviert.",
        "access_ended": "Der Zugang des Kontos dieses API-Tokens ist beendet.",
    }

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(self.MESSAGES[code])


# --- The secret and its keyed hash ------------------------------------------------------------


def _peppers() -> list[str]:
    peppers = [p for p in settings.API_TOKEN_PEPPERS if p]
    if not peppers:  # settings refuse to start without one; a test may empty the list
        raise RuntimeError("API_TOKEN_PEPPERS is empty")
    return peppers


def pepper_id(pepper: str) -> str:
    """What names a pepper in the database: 8 hex digits of its SHA-256, never the pepper."""
    return hashlib.sha256(pepper.encode()).hexdigest()[:8]


def _digest(pepper: str, key_id: str, secret: str) -> str:
    return hmac.new(pepper.encode(), f"{key_id}:{secret}".encode(), hashlib.sha256).hexdigest()


def _matches(token: ApiToken, secret: str) -> bool:
    """Does `secret` belong to `token` under any configured pepper? Every pepper is tried
    (constant time each), so a rotated pepper keeps its tokens working while it is listed."""
    found = False
    for pepper in _peppers():
        found |= hmac.compare_digest(_digest(pepper, token.key_id, secret), token.digest)
    return found


def _new_key_id() -> str:
    while True:
        key_id = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(KEY_ID_LENGTH))
        if not ApiToken.objects.filter(key_id=key_id).exists():
            return key_id


# --- Create and revoke ------------------------------------------------------------------------


def expiry_errors(expires_on: dt.date | None, *, today: dt.date | None = None) -> list[str]:
    """The expiry date's errors: from tomorrow to MAX_DAYS (365) days from today."""
    today = today or timezone.localdate()
    if expires_on is None:
        return [_("Bitte geben Sie an, bis wann das Token gelten soll.")]
    if expires_on <= today:
        return [_("Das Ablaufdatum muss in der Zukunft liegen (frühestens morgen).")]
    if expires_on > today + dt.timedelta(days=MAX_DAYS):
        latest = today + dt.timedelta(days=MAX_DAYS)
        return [
            _("Ein Token gilt höchstens %(days)s Tage, also bis spätestens %(date)s.")
            % {"days": MAX_DAYS, "date": latest.strftime("%d.%m.%Y")}
        ]
    return []


def _end_of(day: dt.date) -> dt.datetime:
    """The token is valid through `day` (Hamburg time): it expires at the next midnight."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=_BERLIN)


def token_create(
    *,
    actor: Actor,
    name: str,
    can_write: bool,
    spaces: Iterable[Space] = (),
    expires_on: dt.date | None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token for the actor themselves; returns the token and its plain text
    `hdr_<key_id>_<secret>`, which is shown once and stored nowhere (only its keyed hash).

    `spaces` limits it to spaces the actor belongs to (ITD: any space); none: everything the
    actor may see. Owner, scope and expiry cannot be changed afterwards."""
    if not GLOBAL.can(actor, "create"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Bitte geben Sie dem Token eine Bezeichnung.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Höchstens %(max)s Zeichen.") % {"max": NAME_MAX}]
    if expiry := expiry_errors(expires_on):
        errors["expires_on"] = expiry
    chosen = list(dict.fromkeys(spaces))
    allowed = set(selectors.space_choices(actor).values_list("pk", flat=True))
    foreign = [space for space in chosen if space.pk not in allowed]
    if foreign:
        errors["spaces"] = [
            _(
                "Sie können ein Token nur auf Digitale Räume beschränken, denen Sie angehören: "
                "nicht auf „%(space)s“."
            )
            % {"space": space.name}
            for space in foreign
        ]
    if errors:
        raise ValidationError(errors)
    assert expires_on is not None
    pepper = _peppers()[0]
    key_id = _new_key_id()
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
    with transaction.atomic():
        token = ApiToken(
            owner=actor,
            name=name,
            key_id=key_id,
            digest=_digest(pepper, key_id, secret),
            pepper_id=pepper_id(pepper),
            can_write=bool(can_write),
            limited_to_spaces=bool(chosen),
            created_at=timezone.now(),
            expires_at=_end_of(expires_on),
        )
        token.full_clean()
        token.save()
        if chosen:
            setattr(token, SCOPE_BEING_SET, True)
            try:
                token.spaces.set(chosen)
            finally:
                delattr(token, SCOPE_BEING_SET)
        security_log(
            kind=LOG_KIND,
            user=actor,
            request=request,
            action="created",
            token=token.shown_prefix,
            name=name,
            can_write=token.can_write,
            spaces=[space.slug for space in chosen],
            expires_at=token.expires_at,
        )
    return token, f"{PREFIX}{key_id}_{secret}"


def token_revoke(*, actor: Actor, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    """Revoke a token (its owner, or ITD): it stops working at once. Revoking twice does
    nothing twice."""
    if not API_TOKEN.can(actor, "revoke", token):
        raise PermissionDenied
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("owner").get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        security_log(
            kind=LOG_KIND,
            user=locked.owner,
            request=request,
            action="revoked",
            token=locked.shown_prefix,
            by="self" if actor.pk == locked.owner_id else actor.email,
        )
    return locked


def tokens_revoke_of(*, user: Actor, reason: str) -> int:
    """Revoke every open token of an account (it was deactivated): the check at each use
    refuses them already; this keeps the list honest. Returns how many."""
    now = timezone.now()
    open_tokens = ApiToken.objects.filter(owner=user, revoked_at__isnull=True)
    prefixes = [f"{PREFIX}{key_id}…" for key_id in open_tokens.values_list("key_id", flat=True)]
    count = open_tokens.update(revoked_at=now)
    if count:
        security_log(
            kind=LOG_KIND, user=user, action="revoked", tokens=prefixes, by="system", reason=reason
        )
    return count


# --- The check at each use --------------------------------------------------------------------


def _refusal(token: ApiToken, now: dt.datetime) -> str | None:
    if not token.owner.is_active:
        return "owner_inactive"
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    if not has_active_access(token.owner):
        return "access_ended"
    return None


def _log_refused(token: ApiToken, reason: str, request: HttpRequest | None) -> None:
    if cache.add(f"tokens:refused:{token.pk}:{reason}", 1, REFUSAL_LOG_EVERY):
        security_log(
            kind=LOG_KIND,
            user=token.owner,
            request=request,
            action="refused",
            token=token.shown_prefix,
            reason=reason,
        )


def _record_use(token: ApiToken, now: dt.datetime, request: HttpRequest | None) -> None:
    ip = (request.META.get("REMOTE_ADDR") or None) if request is not None else None
    last = token.last_used_at
    first = last is None
    moved = ip is not None and ip != token.last_used_ip
    if last is not None and not moved and last > now - LAST_USE_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USE_EVERY)
    if ip is not None:
        stale |= ~Q(last_used_ip=ip) | Q(last_used_ip__isnull=True)
    updated = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip
    if updated and (first or moved):
        security_log(
            kind=LOG_KIND,
            user=token.owner,
            request=request,
            action="used",
            token=token.shown_prefix,
            first=first,
        )


def token_authenticate(raw: Any, *, request: HttpRequest | None = None) -> ApiToken:
    """The token `raw` ("hdr_<key_id>_<secret>") if it may act now; else TokenRefused.

    For the REST API's authentication class: the request then acts as `token.owner`, reading
    only within `tokens.selectors.token_space_ids(token)` and writing only if `token.can_write`.
    Checked at every call, with no job in between: the secret (against every pepper of
    API_TOKEN_PEPPERS), not revoked, not expired, the owner's account active, and for an
    invitation-bound (guest) account its access still running. So a token dies within one
    request when its owner's access ends, the account is deactivated or deleted (deletion also
    removes the row). Last use is recorded at most once a minute; the first use, a use from a
    new address and each refusal of a known token are in the security log. The secret is never
    logged."""
    match = TOKEN_PATTERN.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise TokenRefused("malformed")
    key_id, secret = match.groups()
    token = ApiToken.objects.select_related("owner").filter(key_id=key_id).first()
    if token is None:
        # The same work as for a known token, so the answer's time does not tell them apart.
        _matches(ApiToken(key_id=key_id, digest="0" * 64), secret)
        raise TokenRefused("unknown")
    if not _matches(token, secret):
        _log_refused(token, "wrong_secret", request)
        raise TokenRefused("unknown")
    now = timezone.now()
    reason = _refusal(token, now)
    if reason is not None:
        _log_refused(token, reason, request)
        raise TokenRefused(reason)
    _record_use(token, now, request)
    return token
