"""Formatting for the portal: German money and dates whatever the active language."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms, template
from django.utils import timezone

register = template.Library()


@register.filter
def euro(value) -> str:
    """1529579 -> '1.529.579,00 EUR' (German format, as the budget code writes it)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{'.'.join(groups)},{cents} EUR"


@register.filter
def de_date(value) -> str:
    """A date as 31.12.2026."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return ""


@register.filter
def kern_widget(bound):
    """Render a form field's widget with its KERN class, linked to its hint and error."""
    widget = bound.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "kern-form-check__checkbox"
    elif isinstance(widget, forms.Select):
        css = "kern-form-input__select"
    else:
        css = "kern-form-input__input"
    attrs = {"class": f"{widget.attrs.get('class', '')} {css}".strip()}
    described = []
    if bound.help_text:
        described.append(f"{bound.auto_id}_helptext")
    if bound.errors:
        described.append(f"{bound.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound.as_widget(attrs=attrs)
