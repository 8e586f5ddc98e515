"""Money as the budget code writes it: Decimal euros, German notation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def to_cents(value: Any) -> Decimal | None:
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return None


def format_euro(value: Any) -> str:
    """1529579 -> '1.529.579,00 EUR'; '' for no value."""
    if value is None or value == "":
        return ""
    amount = to_cents(value)
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{'.'.join(groups)},{cents} EUR"
