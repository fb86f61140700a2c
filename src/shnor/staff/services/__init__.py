"""Teachers' growth (docs/guide/support.md, «Педагоги»): diagnostics → deficits → individual route (ИОМ)
from the catalogue → completion → repeated diagnostics → dynamics; the presets' targets with
progress. One module per stage: common rules and reading, routes, entries made by hand, targets.

A teacher sees only their own record (the scope rules narrow every staff query to their
pseudonym); a school head sees the school's teachers; the region sees aggregates."""

from __future__ import annotations

from shnor.staff.services.common import (
    Card,
    TeacherError,
    area_title,
    can_approve,
    can_draft,
    card,
    get_item,
    get_route,
    get_teacher,
    is_head,
    is_self,
    require_draft,
    require_head,
    rules,
    teachers,
)
from shnor.staff.services.entries import (
    add_staff,
    record_course,
    record_diagnostics,
)
from shnor.staff.services.routes import (
    add_item,
    approve_route,
    catalogue,
    propose_route,
    remove_item,
    save_offer,
    set_item,
)
from shnor.staff.services.targets import (
    Aggregate,
    Target,
    aggregates,
    diagnostic_years,
    targets,
    trained,
)

__all__ = [
    "Aggregate",
    "Card",
    "Target",
    "TeacherError",
    "add_item",
    "add_staff",
    "aggregates",
    "approve_route",
    "area_title",
    "can_approve",
    "can_draft",
    "card",
    "catalogue",
    "diagnostic_years",
    "get_item",
    "get_route",
    "get_teacher",
    "is_head",
    "is_self",
    "propose_route",
    "record_course",
    "record_diagnostics",
    "remove_item",
    "require_draft",
    "require_head",
    "rules",
    "save_offer",
    "set_item",
    "targets",
    "teachers",
    "trained",
]
