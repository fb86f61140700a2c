"""Russian number formats for every text the system writes: `1 234,5`, `12,5 %`."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any, digits: int = 0) -> str:
    """`1 234,5`: a no-break space between thousands, a decimal comma, a true minus sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{float(value):,.{digits}f}".replace(",", "\u00a0").replace(".", ",")
    return text.replace("-", "−")


def percent(share: float | None, digits: int = 1) -> str:
    return "—" if share is None else f"{number(100 * share, digits)} %"


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for a count: 1 школа, 2 школы, 5 школ, 11 школ, 21 школа, 112 школ."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
