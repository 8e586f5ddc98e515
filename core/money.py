"""Money as the budget code writes it: Decimal euros, shown in the notation of the active language.

German: ``1.529.579,00 €`` and ``55,5 %``; English: ``€1,529,579.00`` and ``55.5%`` (the euro sign
before the amount, as the EU's Interinstitutional Style Guide writes it in English). Negative
amounts carry a real minus sign (U+2212), never a hyphen. A no-break space keeps the amount and
its unit on one line. XLSX and CSV exports write numbers, not these strings.

Typed amounts are read by `parse_amount` and shown in an input by `input_number`, in the same
notation with thousands grouped (core.forms.MoneyField).
"""

from __future__ import annotations

import re
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


def input_number(value: Any, places: int = 2, language: str | None = None) -> str:
    """A number as an input shows it, to be typed over and read back by `parse_amount`:
    '92.192,21' (German) or '92,192.21' (English), a hyphen for a minus; '' for no value."""
    if value is None or value == "":
        return ""
    number = _decimal(value, places)
    if number is None:
        return ""
    return ("-" if number < 0 else "") + _digits(number, places, _is_english(language))


_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?|[+-]?\.\d+")


def _grouped(separator: str) -> re.Pattern[str]:
    return re.compile(rf"[+-]?\d{{1,3}}(\{separator}\d{{3}})+")


def parse_amount(raw: str, *, language: str | None = None) -> Decimal:
    """An amount as people type it, in the notation of the active language, and the other one
    where that is unambiguous; ValueError if it is not a number.

    German: the comma separates the cents, points group the thousands ('1.234,56', '1234,5',
    '1.529.579'). English: the point separates the cents, commas group the thousands
    ('1,234.56', '1,529,579'). Both separators in one amount are unambiguous in either language:
    the last one separates the cents ('1,000.50' and '1.000,50' are 1000.50). One separator
    alone is read as the language reads it, except that a single point or comma not followed by
    exactly three digits always separates decimals ('1234.56' is understood in German too).
    Badly grouped amounts are not guessed ('1.2.3', '12,345,6', '10,00.5')."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    text = re.sub(r"(EUR|€)$", "", text, flags=re.IGNORECASE).strip()
    grouping = "," if _is_english(language) else "."
    if "," in text and "." in text:
        last = max(text.rfind(","), text.rfind("."))
        whole, cents, group = text[:last], text[last + 1 :], "." if text[last] == "," else ","
        if not _grouped(group).fullmatch(whole) and not whole.lstrip("+-").isdigit():
            raise ValueError(raw)
        text = f"{whole.replace(group, '')}.{cents}"
    else:
        separator = "," if "," in text else "."
        if text.count(separator) > 1 or (
            separator == grouping and _grouped(separator).fullmatch(text)
        ):
            if not _grouped(separator).fullmatch(text):
                raise ValueError(raw)
            text = text.replace(separator, "")
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise ValueError(raw)
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(raw) from exc
