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
