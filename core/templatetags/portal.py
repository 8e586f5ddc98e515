"""Formatting for the portal: German money and dates whatever the active language."""

from __future__ import annotations

from django import forms, template

from core.dates import format_date
from core.money import format_euro

register = template.Library()


@register.filter
def euro(value) -> str:
    """1529579 -> '1.529.579,00 EUR' (German format, as the budget code writes it)."""
    return format_euro(value)


@register.filter
def de_date(value) -> str:
    """A date as 31.12.2026."""
    return format_date(value)


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
