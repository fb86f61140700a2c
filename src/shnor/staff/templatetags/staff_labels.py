"""Areas of a teacher's competences by their names in the preset, never their codes (issue 24)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from shnor.staff.services.common import area_title

register = template.Library()


@register.filter
def area(code: str) -> str:
    """«assessment» → «оценочная деятельность» (the preset's name of the area; the code if it has none)."""
    return area_title(code)


@register.filter
def areas(codes: Iterable[str]) -> str:
    return ", ".join(area_title(c) for c in codes)
