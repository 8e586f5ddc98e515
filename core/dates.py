"""Dates the whole portal agrees on: today in Europe/Berlin, plausible years, the longest guest
access. Each rule is written here once and used by every form, service and database check."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Project periods, milestones and fiscal years lie within these years: the strategy started in
# 2019, and budgets are planned a few double budgets ahead, never centuries.
YEAR_MIN = 2000
YEAR_MAX = 2100


def today() -> dt.date:
    return timezone.localdate()


def format_date(value: dt.date | dt.datetime | None) -> str:
    """A date in the active language, 31.12.2026 or 31 Dec 2026 (the local date of an aware
    datetime; hamburg_digital/formats); '' for no date."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return ""


def format_datetime(value: dt.datetime | None) -> str:
    """A moment in local time in the active language: 31.12.2026 14:30 or 31 Dec 2026, 14:30."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def year_validators() -> list[BaseValidator]:
    return [
        MinValueValidator(YEAR_MIN, message=gettext_lazy("Frühestens das Jahr %(limit_value)s.")),
        MaxValueValidator(YEAR_MAX, message=gettext_lazy("Spätestens das Jahr %(limit_value)s.")),
    ]


def validate_plausible_date(value: dt.date | None) -> None:
    """A date of a project, milestone or budget: between 1.1.YEAR_MIN and 31.12.YEAR_MAX."""
    if value is not None and not (YEAR_MIN <= value.year <= YEAR_MAX):
        raise ValidationError(
            _("Bitte ein Datum zwischen %(min)s und %(max)s angeben.")
            % {"min": YEAR_MIN, "max": YEAR_MAX},
            code="implausible_date",
        )


def plausible_dates_hint() -> str:
    """The help text of a date field that validate_plausible_date checks."""
    return _("zwischen dem 1.1.%(min)s und dem 31.12.%(max)s") % {"min": YEAR_MIN, "max": YEAR_MAX}


def guest_access_max_days() -> int:
    return settings.GUEST_ACCESS_MAX_DAYS


def guest_until_errors(until: dt.date | None, *, on: dt.date | None = None) -> list[str]:
    """A guest's access (membership, project guest, invitation) ends on a date: today at the
    earliest, GUEST_ACCESS_MAX_DAYS (365) days from today at the latest."""
    on = on or today()
    if until is None:
        return [_("Ein Gastzugang braucht immer ein Enddatum.")]
    if until < on:
        return [_("Das Ende des Zugangs darf nicht in der Vergangenheit liegen.")]
    if until > on + dt.timedelta(days=guest_access_max_days()):
        return [
            _("Ein Gastzugang gilt höchstens %(days)s Tage ab heute (bis %(date)s).")
            % {
                "days": guest_access_max_days(),
                "date": format_date(on + dt.timedelta(days=guest_access_max_days())),
            }
        ]
    return []
