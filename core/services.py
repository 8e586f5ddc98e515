"""Writes shared by every app: the audit trail, the security log, ending time-boxed access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import AuditEntry, SecurityEvent
from .timebox import TimeBoxed

if TYPE_CHECKING:
    from .audiences import Viewer

_T = TypeVar("_T", bound=TimeBoxed)


def _plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return str(value)


def _as_stored(value: Any, places: int) -> Any:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        try:
            return Decimal(value).quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:  # too long to be stored; the model's validation says so
            return value
    return value


RECORD_LANGUAGE = "de"
"""The audit trail is written in German, the language of the administration's records, whatever
language the person acting reads: a choice by its German label, a related object by its German
name. The pages name those values in the reader's language again (projects.presenters)."""


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` on `instance`, as the audit trail stores them."""
    with translation.override(RECORD_LANGUAGE):
        return _snapshot(instance, fields)


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = (
                sorted(str(o) for o in getattr(instance, name).all()) if instance.pk else []
            )
        elif field.is_relation:
            values[name] = _plain(getattr(instance, name))
        elif isinstance(field, models.Field) and field.choices:
            values[name] = str(getattr(instance, f"get_{name}_display")())
        elif isinstance(field, models.DecimalField):
            # As the database holds it: 0, 0.0 and 0.00 typed into a form are one value (an
            # untouched line of the budget grid is no change).
            values[name] = _plain(_as_stored(getattr(instance, name), field.decimal_places))
        else:
            values[name] = _plain(getattr(instance, name))
    return values


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-wise changes between two snapshots: {field: {"old": ..., "new": ...}}."""
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return {
        key: {"old": old.get(key), "new": new.get(key)}
        for key in keys
        if old.get(key) != new.get(key)
    }


def actor_label_for(actor: Viewer) -> str:
    """Who acted, for the audit trail: an account, or the system (nobody signed in)."""
    if actor is None or not actor.is_authenticated:
        return _("System")
    return actor.get_full_name() or actor.email


def audit_record(
    *,
    actor: Viewer,
    instance: models.Model,
    action: str,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Write one audit entry; an update that changed nothing writes none."""
    changes = dict(changes or {})
    if action == AuditEntry.Action.UPDATE and not changes:
        return None
    with translation.override(RECORD_LANGUAGE):
        actor_label, object_repr = actor_label_for(actor), str(instance)[:255]
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=object_repr,
        changes=changes,
    )


def security_log(
    *,
    kind: str,
    user: Viewer = None,
    request: HttpRequest | None = None,
    label: str = "",
    **detail: Any,
) -> SecurityEvent:
    """Write one security log entry. `label` names the account when `user` is unknown."""
    ip = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
    known = user if user is not None and user.pk else None
    return SecurityEvent.objects.create(
        kind=kind,
        user=known,
        user_label=(known.email if known is not None else label)[:200],
        ip=ip,
        detail={k: _plain(v) for k, v in detail.items()},
    )


def timebox_close(
    *, actor: Viewer, obj: _T, audited_fields: Iterable[str], on: dt.date | None = None
) -> tuple[_T, bool]:
    """End a time-boxed access now (by hand, or with actor None by the daily job): one way for
    memberships, project guests, officer roles and invitations. Returns the locked, saved
    object and whether it was open (ending twice does nothing twice)."""
    audited = tuple(audited_fields)
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        if locked.ended_at is not None:
            return locked, False
        before = snapshot(locked, audited)
        locked.close(on=on)
        locked.save(update_fields=["until", "ended_at"])
        locked.forget_status()
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditEntry.Action.UPDATE,
            changes=diff(before, snapshot(locked, audited)),
        )
    return locked, True


def security_log_purge(*, now: dt.datetime | None = None) -> int:
    """Retention: security log entries older than SECURITY_LOG_RETENTION_DAYS are deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.SECURITY_LOG_RETENTION_DAYS)
    deleted, _detail = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
