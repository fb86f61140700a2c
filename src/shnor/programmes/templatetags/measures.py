"""How a programme indicator's figure is shown: a share (unit «доля») as a percentage."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()

SHARE = "доля"


@register.filter
def measure(value: float | None, unit: str) -> str:
    """The figure in the indicator's unit: 0,143 of unit «доля» → «14,3 %»; others to three decimals."""
    if value is None:
        return "—"
    if unit == SHARE:
        return f"{floatformat(100 * value, '-1')} %"
    return str(floatformat(value, "-3"))


@register.filter
def unit_shown(unit: str) -> str:
    """The unit column: a share is shown in percent."""
    return "%" if unit == SHARE else unit
