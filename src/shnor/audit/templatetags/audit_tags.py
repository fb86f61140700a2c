from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "да"
    if value is False:
        return "нет"
    return str(value)


@register.filter
def change_lines(changes: dict[str, Any]) -> list[str]:
    """`field: before → after` lines of an audit entry."""
    lines = []
    for field, pair in changes.items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        lines.append(f"{field}: {_show(before)} → {_show(after)}")
    return lines
