"""`{% school_timeline school %}`: a school's way through the cycle (web/timeline.py) on any card
that shows a school — the registry's card and the identification card. The tag lives in the web
layer, above every section it reads, as the base template and the shared partials do."""

from __future__ import annotations

from typing import Any

from django import template

from shnor.web.timeline import school_timeline as build

register = template.Library()


@register.inclusion_tag("web/_timeline.html", takes_context=True)
def school_timeline(context: Any, school: Any) -> dict[str, Any]:
    return {"steps": build(context["request"].user, school)}
