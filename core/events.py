"""Domain events: how a lower layer tells the layers above that something happened.

A service emits an event inside its transaction (`emit("project.health_changed", ...)`); the
apps above subscribe in their AppConfig.ready() (`subscribe(...)`). Subscribers run at once, in
the same transaction, so what they write (a notification in the outbox) is committed with the
event or not at all. They must not send anything themselves: sending happens after commit.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Subscriber = Callable[..., None]

_SUBSCRIBERS: dict[str, list[Subscriber]] = defaultdict(list)

# The events the portal emits, with what they carry (keyword arguments).
INVITATION_SENT = "invitation.sent"  # invitation, token, actor
INVITATION_ACCEPTED = "invitation.accepted"  # invitation, actor (the invitee)
INVITATION_WITHDRAWN = "invitation.withdrawn"  # invitation, actor (revoked or link replaced)
MEMBERSHIP_ADDED = "membership.added"  # membership, actor
MEMBERSHIP_CHANGED = "membership.changed"  # membership, actor, changes
MEMBERSHIP_ENDED = "membership.ended"  # membership, actor
PROJECT_CREATED = "project.created"  # project, actor
PROJECT_STATUS_CHANGED = "project.status_changed"  # project, actor, old, new
PROJECT_HEALTH_CHANGED = "project.health_changed"  # project, actor, old, new, reason
BUDGET_OVER_PLAN = "budget.over_plan"  # project, fiscal_year, figures, actor

EVENTS = frozenset(
    {
        INVITATION_SENT,
        INVITATION_ACCEPTED,
        INVITATION_WITHDRAWN,
        MEMBERSHIP_ADDED,
        MEMBERSHIP_CHANGED,
        MEMBERSHIP_ENDED,
        PROJECT_CREATED,
        PROJECT_STATUS_CHANGED,
        PROJECT_HEALTH_CHANGED,
        BUDGET_OVER_PLAN,
    }
)


def subscribe(event: str, subscriber: Subscriber) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    if subscriber not in _SUBSCRIBERS[event]:
        _SUBSCRIBERS[event].append(subscriber)


_quiet = threading.local()


@contextmanager
def quiet() -> Iterator[None]:
    """Loading data that is not news (the demo data, a migration): no subscriber hears of it,
    so nobody is notified of people and projects that were always there."""
    before = getattr(_quiet, "on", False)
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = before


def is_quiet() -> bool:
    """Inside `quiet()`: the outbox writes no notice either (notifications.services.notify)."""
    return bool(getattr(_quiet, "on", False))


def emit(event: str, **payload: Any) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    if is_quiet():
        return
    for subscriber in list(_SUBSCRIBERS[event]):
        subscriber(**payload)
