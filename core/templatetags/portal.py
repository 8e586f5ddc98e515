"""Formatting for the portal: money, numbers and percentages in the active language's notation,
dates as 31.12.2026, form widgets with their KERN classes."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

from django import forms, template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.dates import format_date
from core.money import format_euro, format_number, format_percent, to_cents

register = template.Library()


@register.filter
def euro(value) -> SafeString | str:
    """1529579 -> '1.529.579,00 €' (German) or '€1,529,579.00' (English).

    A negative amount keeps its minus sign and is marked beyond colour: a class for the colour
    and the word "negativ" for screen readers, which often skip the minus sign.
    """
    text = format_euro(value)
    amount = to_cents(value)
    if amount is None or amount >= 0:
        return text
    return format_html(
        '<span class="portal-negative"><span class="visually-hidden">{} </span>{}</span>',
        _("negativ"),
        text,
    )


@register.filter
def euro_text(value) -> str:
    """The amount as plain text (for PDFs, attributes and e-mails): no markup around negatives."""
    return format_euro(value)


@register.filter
def percent(value, places: int = 1) -> str:
    """55.5 -> '55,5 %' (German) or '55.5%' (English); '–' for no value."""
    return format_percent(value, places) or "–"


@register.filter
def number(value, places: int = 0) -> str:
    """1234 -> '1.234' (German) or '1,234' (English)."""
    return format_number(value, places)


@register.filter
def figure(value) -> str:
    """An indicator's figure with the decimals it has, at most four: 45,5 (German), 45.5
    (English), 1.200; '–' for no value."""
    if value is None or value == "":
        return "–"
    exponent = Decimal(value).normalize().as_tuple().exponent
    places = min(4, max(0, -exponent)) if isinstance(exponent, int) else 0
    return format_number(value, places)


@register.filter
def de_date(value) -> str:
    """A date in the active language (31.12.2026, 31 Dec 2026): core.dates.format_date."""
    return format_date(value)


@register.filter
def machine_time(value) -> str:
    """A moment for `<time datetime>`: ISO 8601 to the second in the active time zone
    ("2026-12-06T22:10:05+01:00"). Django's "c" adds microseconds, which HTML does not allow
    (at most three digits of a fraction of a second)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


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


@register.inclusion_tag("partials/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, *trail) -> dict:
    """The page header's trail below "Start": `{% breadcrumbs title1 url1 title2 url2 current %}`.

    Pairs of title and address lead down to the parent; the last argument names the page itself.
    """
    *pairs, current = trail or ("",)
    if len(pairs) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes pairs of title and url, then a title")
    return {"crumbs": list(zip(pairs[0::2], pairs[1::2], strict=True)), "current": current}


@register.filter
def svg_image(svg) -> str:
    """An SVG drawing as the address of an image (`<img src>`), for the PDFs: WeasyPrint tags an
    `<img>` as a figure with its `alt` text (PDF/UA), an inline `<svg>` without one."""
    encoded = base64.b64encode(str(svg).strip().encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
