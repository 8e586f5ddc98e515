"""Money as the budget code writes it: Decimal euros, shown in the notation of the active language.

German: ``1.529.579,00 €`` and ``55,5 %``; English: ``€1,529,579.00`` and ``55.5%`` (the euro sign
before the amount, as the EU's Interinstitutional Style Guide writes it in English). Negative
amounts carry a real minus sign (U+2212), never a hyphen. A no-break space keeps the amount and
its unit on one line. XLSX and CSV exports write numbers, not these strings.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import translation

CENT = Decimal("0.01")
MINUS = "\u2212"
NBSP = "\u00a0"


def to_cents(value: Any) -> Decimal | None:
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _is_english(language: str | None) -> bool:
    return (language or translation.get_language() or "de").startswith("en")


def _decimal(value: Any, places: int) -> Decimal | None:
    try:
        return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _digits(amount: Decimal, places: int, english: bool) -> str:
    """The absolute value with grouped thousands: 1.529.579,00 or 1,529,579.00."""
    whole, _dot, fraction = f"{abs(amount):.{places}f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    thousands, decimal_mark = (",", ".") if english else (".", ",")
    text = thousands.join(groups)
    return f"{text}{decimal_mark}{fraction}" if places else text


def format_number(value: Any, places: int = 0, language: str | None = None) -> str:
    """1234.5 -> '1.234,5' (German) or '1,234.5' (English); '' for no value."""
    if value is None or value == "":
        return ""
    number = _decimal(value, places)
    if number is None:
        return ""
    sign = MINUS if number < 0 else ""
    return sign + _digits(number, places, _is_english(language))


def format_euro(value: Any, language: str | None = None) -> str:
    """1529579 -> '1.529.579,00 €' (German) or '€1,529,579.00' (English); '' for no value."""
    if value is None or value == "":
        return ""
    amount = to_cents(value)
    if amount is None:
        return ""
    sign = MINUS if amount < 0 else ""
    if _is_english(language):
        return f"{sign}€{_digits(amount, 2, True)}"
    return f"{sign}{_digits(amount, 2, False)}{NBSP}€"


def format_percent(value: Any, places: int = 1, language: str | None = None) -> str:
    """55.5 (already a percentage) -> '55,5 %' (German) or '55.5%' (English); '' for none."""
    number = format_number(value, places, language)
    if not number:
        return ""
    return f"{number}%" if _is_english(language) else f"{number}{NBSP}%"
