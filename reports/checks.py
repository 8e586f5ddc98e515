"""`manage.py check` says when PDF reports cannot be made on this machine."""

from __future__ import annotations

from typing import Any

from django.core.checks import Info, register

from core import pdf


@register()
def pdf_support(app_configs: Any = None, **kwargs: Any) -> list[Info]:
    message = pdf.missing()
    if not message:
        return []
    # Info, not an error: the portal runs without PDFs, and says so on the report pages.
    return [Info(message, hint="make pdf-deps", id="reports.I001")]
