"""The management cycle's use cases, one module per stage (docs/guide/cycle.md): goals, targets and
analysis (planning), addressed recommendations, measures, management decisions, the working group's
meetings, documents, and what is overdue.

Rules: a region-level object (no municipality) is kept by the region (operator, regional
coordinator); a municipality's by its coordinator too. Recommendations are read and reported on
by their addressee only. Every document is stored through shnor.records, all or nothing."""

from __future__ import annotations

from shnor.cycle.services.common import (
    CycleError,
    can_keep,
    municipality_in_scope,
    preset,
    region_wide,
    schools_by_codes,
    today,
)
from shnor.cycle.services.decision import (
    DOCUMENT_TITLES,
    execute,
    record_decision,
)
from shnor.cycle.services.document import (
    DOCX,
    can_read_document,
    document_file,
    effect_reports,
    get_document,
)
from shnor.cycle.services.measure import (
    add_measure,
    measures,
    update_measure,
)
from shnor.cycle.services.meeting import (
    add_meeting,
    default_body,
    get_meeting,
    meetings,
    protocol,
)
from shnor.cycle.services.overdue import (
    remind,
)
from shnor.cycle.services.planning import (
    DIRECTION_CODES,
    Direction,
    Goals,
    analysis,
    conclusions,
    goals,
    save_conclusion,
    set_goals,
    set_targets,
    targets,
)
from shnor.cycle.services.recommendation import (
    LISTED_IN_SELECT,
    Basis,
    Drafted,
    DraftHeldElsewhere,
    addressee_of,
    addressee_users,
    addressees,
    basis,
    draft,
    draft_all,
    edit,
    get_recommendation,
    is_addressee,
    issue,
    mark_read,
    recommendations,
    report,
)

__all__ = [
    "Basis",
    "CycleError",
    "DIRECTION_CODES",
    "DOCUMENT_TITLES",
    "DOCX",
    "Direction",
    "DraftHeldElsewhere",
    "Drafted",
    "Goals",
    "LISTED_IN_SELECT",
    "add_measure",
    "add_meeting",
    "addressee_of",
    "addressee_users",
    "addressees",
    "analysis",
    "basis",
    "can_keep",
    "can_read_document",
    "conclusions",
    "default_body",
    "document_file",
    "draft",
    "draft_all",
    "edit",
    "effect_reports",
    "execute",
    "get_document",
    "get_meeting",
    "get_recommendation",
    "goals",
    "is_addressee",
    "issue",
    "mark_read",
    "measures",
    "meetings",
    "municipality_in_scope",
    "preset",
    "protocol",
    "recommendations",
    "record_decision",
    "region_wide",
    "remind",
    "report",
    "save_conclusion",
    "schools_by_codes",
    "set_goals",
    "set_targets",
    "targets",
    "today",
    "update_measure",
]
