"""Programmes (docs/guide/programmes.md), one module per stage: common rules and reading, creation,
the review workflow, carrying out, indicators and reminders, monitoring waves, exit.

Who may do what (checked here, never in a view):
* edit a draft or returned programme, submit it, mark activities and add evidence, take a wave:
  the school's team for school and anti-risk programmes, the municipal coordinator for municipal
  ones, the regional coordinator for the regional one; the operator everywhere;
* review (take, return with comments, approve): the curator the school is assigned to; where no
  curator is assigned, the municipal coordinator; the regional coordinator for municipal and
  regional programmes;
* put an approved programme in force: the municipal coordinator (school level), the regional
  coordinator (municipal and regional); the operator everywhere;
* approve an exit: whoever approves the region's lists (Perm.APPROVE)."""

from __future__ import annotations

from shnor.programmes.services.common import (
    SCHOOL_LEVELS,
    WORKING,
    L,
    ProgrammeChanged,
    ProgrammeError,
    S,
    can_edit,
    can_enforce,
    can_review,
    claim,
    get,
    levels_for,
    preset,
    programmes,
    queue,
    queue_head,
    templates,
    today,
    touch,
)
from shnor.programmes.services.creation import (
    create,
)
from shnor.programmes.services.execution import (
    add_evidence,
    mark_step,
    require_content_edit,
    set_activity,
    set_actual,
    update_content,
)
from shnor.programmes.services.exit import (
    ExitProposal,
    approve_exit,
    exit_decisions,
    exit_proposals,
)
from shnor.programmes.services.indicators import (
    LEVEL_RANK,
    IndicatorRow,
    OverviewRow,
    activity_counts,
    bound_value,
    indicator_rows,
    latest_profile,
    overview,
    refresh,
    remind,
)
from shnor.programmes.services.waves import (
    WaveComparison,
    compare,
    snapshot,
    take_wave,
)
from shnor.programmes.services.workflow import (
    ACTIONS,
    allowed_actions,
    transition,
)

__all__ = [
    "ACTIONS",
    "ExitProposal",
    "IndicatorRow",
    "L",
    "LEVEL_RANK",
    "OverviewRow",
    "ProgrammeChanged",
    "ProgrammeError",
    "S",
    "SCHOOL_LEVELS",
    "WORKING",
    "WaveComparison",
    "activity_counts",
    "add_evidence",
    "allowed_actions",
    "approve_exit",
    "bound_value",
    "can_edit",
    "can_enforce",
    "can_review",
    "claim",
    "compare",
    "create",
    "exit_decisions",
    "exit_proposals",
    "get",
    "levels_for",
    "indicator_rows",
    "latest_profile",
    "mark_step",
    "overview",
    "preset",
    "programmes",
    "queue",
    "queue_head",
    "refresh",
    "remind",
    "require_content_edit",
    "set_activity",
    "set_actual",
    "update_content",
    "snapshot",
    "take_wave",
    "templates",
    "today",
    "touch",
    "transition",
]
