"""Amounts on the command line: what people type (`12.50`, in the server's currency) to
minor units and back, exactly (Decimal, never a float)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import click


def minor_units(amount: str, exponent: int) -> int:
    """`12.34` (in the server's currency) as minor units, exactly (never a float)."""
    try:
        value = Decimal(amount) * (10**exponent)
    except InvalidOperation:
        raise click.BadParameter(f"{amount!r} is not an amount") from None
    if not value.is_finite() or value != value.to_integral_value() or value <= 0:
        raise click.BadParameter(f"{amount!r}: a positive amount, at most {exponent} decimals")
    return int(value)


def shown(minor: int, currency: dict[str, Any]) -> str:
    """1250 minor units of CNY → `12.50 CNY`."""
    return f"{Decimal(minor).scaleb(-currency['exponent'])} {currency['code']}"
