"""Time-boxed access, one lifecycle for all of it: memberships, project guests, officer roles
and invitations run from `since` to `until` and may be ended early (`ended_at`).

Each model's status (active, upcoming, expired, ended; an invitation's pending, accepted, ...)
is one SQL expression, `status_expression()`: lists annotate it (`with_status()`), filters
compare it, and an object's `status` property reads the annotation, so what a page shows, what
a filter finds and what a service checks can never disagree. Access is what rule tables
decide, so a time-boxed queryset is a `RestrictedQuerySet` too (`visible_to`, `restrict`).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Self, TypeVar

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels
from .dates import today, validate_plausible_date
from .rules import RestrictedQuerySet

STATUS_ANNOTATION = "lifecycle_status"


_T = TypeVar("_T", bound="TimeBoxed")


class TimeBoxedQuerySet(RestrictedQuerySet[_T]):
    def open(self) -> Self:
        """Not ended by hand or by the daily job (it may still lie in the future or be past)."""
        return self.filter(ended_at__isnull=True)

    def active(self, on: dt.date | None = None) -> Self:
        """Granting access on the day (default: today)."""
        on = on or today()
        return self.filter(ended_at__isnull=True, since__lte=on).filter(
            Q(until__isnull=True) | Q(until__gte=on)
        )

    def past_until(self, on: dt.date | None = None) -> Self:
        """Still open although their end date has passed: for the daily job to close."""
        return self.open().filter(until__lt=on or today())

    def with_status(self, on: dt.date | None = None, now: dt.datetime | None = None) -> Self:
        return self.annotate(
            **{STATUS_ANNOTATION: self.model.status_expression(on=on or today(), now=now)}
        )

    def with_status_in(self, *statuses: str) -> Self:
        return self.with_status().filter(**{f"{STATUS_ANNOTATION}__in": statuses})


class TimeBoxed(ChoiceLabels, models.Model):
    """Access for a period: from `since`, until `until` (open-ended if empty), or ended early."""

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("beginnt später")
        ACTIVE = "active", _("aktiv")
        EXPIRED = "expired", _("abgelaufen")
        ENDED = "ended", _("beendet")

    since = models.DateField(_("seit"), default=today, validators=[validate_plausible_date])
    until = models.DateField(_("bis"), null=True, blank=True, validators=[validate_plausible_date])
    # Set when the access was ended (by hand, or by the daily job once `until` passed).
    ended_at = models.DateTimeField(_("beendet am"), null=True, blank=True, editable=False)

    # The statuses in the order they are decided; each model may define its own.
    status_choices: ClassVar[type[models.TextChoices]] = Status

    class Meta:
        abstract = True

    @classmethod
    def status_expression(cls, *, on: dt.date, now: dt.datetime | None = None) -> Case:
        return Case(
            When(ended_at__isnull=False, then=Value(cls.Status.ENDED)),
            When(until__lt=on, then=Value(cls.Status.EXPIRED)),
            When(since__gt=on, then=Value(cls.Status.UPCOMING)),
            default=Value(cls.Status.ACTIVE),
            output_field=models.CharField(),
        )

    @property
    def status(self) -> str:
        """The annotated status; objects not loaded with `with_status()` ask the database."""
        annotated = getattr(self, STATUS_ANNOTATION, None)
        if annotated is not None:
            return str(annotated)
        if self.pk is None:
            raise ValueError("an unsaved object has no status yet")
        mine = type(self)._default_manager.filter(pk=self.pk)
        assert isinstance(mine, TimeBoxedQuerySet), "managers of TimeBoxed use TimeBoxedQuerySet"
        value = mine.with_status().values_list(STATUS_ANNOTATION, flat=True).get()
        setattr(self, STATUS_ANNOTATION, value)
        return str(value)

    def forget_status(self) -> None:
        if hasattr(self, STATUS_ANNOTATION):
            delattr(self, STATUS_ANNOTATION)

    def get_status_display(self) -> str:
        return str(self.status_choices(self.status).label)

    @property
    def is_active(self) -> bool:
        on = today()
        return (
            self.ended_at is None and self.since <= on and (self.until is None or self.until >= on)
        )

    def close(self, *, on: dt.date | None = None) -> None:
        """End now (not saved): the end date becomes today, unless it lay earlier already."""
        on = on or today()
        end = on if self.until is None else min(self.until, on)
        self.until = max(end, self.since)
        self.ended_at = timezone.now()
