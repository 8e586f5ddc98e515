"""PDF from HTML with WeasyPrint, which needs the system library Pango.

Where WeasyPrint or Pango is missing the portal says so (the report archive, a system check,
the failed report's message) instead of failing obscurely; `make pdf-deps` installs Pango where
it can (Debian: libpango-1.0-0, libpangoft2-1.0-0).
"""

from __future__ import annotations

import ctypes.util
import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run on this machine."""


@cache
def _weasyprint() -> tuple[Any, str]:
    try:
        # Imported here: WeasyPrint loads Pango when imported; a machine without it must
        # still start the portal (and say what is missing).
        import weasyprint
    except (ImportError, OSError) as error:
        return None, f"{type(error).__name__}: {error}"
    return weasyprint, ""


@cache
def _missing_cheaply() -> str:
    """Without importing WeasyPrint (which takes a while): is it installed, is Pango there?"""
    if importlib.util.find_spec("weasyprint") is None:
        return "ImportError: No module named 'weasyprint'"
    for library in ("pango-1.0", "pangoft2-1.0"):
        if ctypes.util.find_library(library) is None:
            return f"OSError: the system library {library} is not installed"
    return ""


def missing() -> str:
    """What is missing for PDFs, in words for the reader; "" when PDFs can be made."""
    error = _missing_cheaply()
    if not error:
        return ""
    return _(
        "PDF-Berichte sind auf diesem Server nicht verfügbar: WeasyPrint oder die "
        "Systembibliothek Pango fehlt (Installation: make pdf-deps). Technisch: %(error)s"
    ) % {"error": error[:200]}


def _unavailable(error: str) -> str:
    return missing() or _(
        "PDF-Berichte sind auf diesem Server nicht verfügbar: WeasyPrint ließ sich nicht laden "
        "(Installation: make pdf-deps). Technisch: %(error)s"
    ) % {"error": error[:200]}


# Every PDF the portal writes is tagged PDF/UA-1 (ISO 14289-1), as BITV 2.0 asks of a public
# body's documents: WeasyPrint writes the structure tree from the HTML (headings, lists, tables
# with their header cells, figures with the alt text), the language and title from <html lang>
# and <title>, bookmarks from the headings, and marks the running heads and page numbers as
# artifacts. tests/pdf_ua.py checks each report type.
PDF_VARIANT = "pdf/ua-1"


def write_pdf(html: str, target: Path | str, *, laid_out: Callable[[], None] | None = None) -> None:
    """Render `html` (links to /static/ resolve to the static files) into the file `target`,
    as PDF/UA-1; `laid_out` is called between the layout (most of the time) and writing the
    file."""
    module, error = _weasyprint()
    if module is None:
        raise PdfUnavailable(_unavailable(error))
    static_root = Path(settings.BASE_DIR) / "static"
    # The variant is given to both steps: the layout keeps the tags, the writer the metadata.
    document = module.HTML(string=html, base_url=str(static_root) + "/").render(
        pdf_variant=PDF_VARIANT
    )
    if laid_out is not None:
        laid_out()
    document.write_pdf(str(target), pdf_variant=PDF_VARIANT)
