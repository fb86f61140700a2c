"""The cycle's goals and tasks, the indicators' targets and the analysis by four directions over the
API (the same services and scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.utils import timezone
from ninja import Router

from shnor.accounts.actor import AuthedRequest
from shnor.api import scoped
from shnor.api.indicators import value_out
from shnor.api.schemas import ERRORS, Id, Year
from shnor.api.schemas.goals import (
    ConclusionIn,
    CycleGoalsIn,
    CycleGoalsOut,
    CycleTargetOut,
    CycleTargetsIn,
    CyclogramOut,
    DirectionOut,
)
from shnor.core.cyclogram import working_year, year_title
from shnor.cycle import cyclogram
from shnor.cycle import services as cycle
from shnor.registry import services as registry

goals = Router(tags=["Цели, задачи и анализ"])


def _goals_out(g: cycle.Goals) -> dict[str, Any]:
    return {
        "year": g.year,
        "municipality": g.municipality.name if g.municipality else None,
        "goal": g.goal,
        "tasks": g.tasks,
        "from_preset": g.from_preset,
        "source": g.source,
    }


@goals.get("/goals", response={200: CycleGoalsOut, **ERRORS}, operation_id="goals_get", summary="Цели и задачи года")
def goals_get(request: AuthedRequest, year: Year, municipality: Id | None = None) -> dict[str, Any]:
    return _goals_out(cycle.goals(request.auth, year, scoped.municipality(request, municipality)))


@goals.put(
    "/goals",
    response={200: CycleGoalsOut, **ERRORS},
    operation_id="goals_set",
    summary="Сохранить цели и задачи года (регион или муниципалитет)",
)
def goals_set(
    request: AuthedRequest, year: Year, payload: CycleGoalsIn, municipality: Id | None = None
) -> dict[str, Any]:
    g = cycle.set_goals(
        request.auth,
        year,
        scoped.municipality(request, municipality),
        "\n".join(payload.goal),
        "\n".join(payload.tasks),
    )
    return _goals_out(g)


@goals.get(
    "/targets", response={200: list[CycleTargetOut], **ERRORS}, operation_id="targets_get", summary="Цели показателей"
)
def targets_get(request: AuthedRequest, year: Year) -> list[dict[str, Any]]:
    return [{"code": c, "value": v, "source": src} for c, (v, src) in cycle.targets(year).items()]


@goals.put(
    "/targets",
    response={200: list[CycleTargetOut], **ERRORS},
    operation_id="targets_set",
    summary="Установить цели показателей на год (null — вернуть значение пресета)",
)
def targets_set(request: AuthedRequest, year: Year, payload: CycleTargetsIn) -> list[dict[str, Any]]:
    cycle.set_targets(request.auth, year, payload.targets)
    return targets_get(request, year)


@goals.get(
    "/analysis",
    response={200: list[DirectionOut], **ERRORS},
    operation_id="analysis_get",
    summary="Анализ по четырём направлениям: цифры и выводы",
)
def analysis_get(request: AuthedRequest, year: Year, municipality: Id | None = None) -> list[dict[str, Any]]:
    directions = cycle.analysis(request.auth, year, scoped.municipality(request, municipality))
    return [
        {
            "code": d.code,
            "title": d.title,
            "figures": d.figures,
            "indicators": [value_out(v) for v in d.values],
            "conclusion": d.conclusion.text if d.conclusion else None,
        }
        for d in directions
    ]


@goals.put(
    "/analysis/{direction}",
    response={200: DirectionOut, **ERRORS},
    operation_id="analysis_conclude",
    summary="Записать выводы по направлению анализа",
)
def analysis_conclude(
    request: AuthedRequest, direction: str, year: Year, payload: ConclusionIn, municipality: Id | None = None
) -> dict[str, Any]:
    m = scoped.municipality(request, municipality)
    cycle.save_conclusion(request.auth, year, direction, m, payload.text)
    return next(d for d in analysis_get(request, year, municipality) if d["code"] == direction)


@goals.get(
    "/cyclogram",
    response={200: CyclogramOut, **ERRORS},
    operation_id="cyclogram_get",
    summary="Циклограмма рабочего года: сроки по акту, состояние, чем подтверждено",
)
def cyclogram_get(request: AuthedRequest, year: Year | None = None) -> dict[str, Any]:
    today = timezone.localdate()
    start = cyclogram.year_start()
    year = year or working_year(today, start)
    rows = []
    for line in cyclogram.lines(year, today):
        first, last = line.item.window(year, start)
        rows.append(
            {
                "code": line.item.code,
                "title": line.item.title,
                "period": line.period,
                "start": first,
                "end": last,
                "status": line.status,
                "status_title": line.status_title,
                "done_on": line.done_on,
                "evidence": line.evidence,
                "source": line.item.source,
                "responsible": line.item.responsible,
            }
        )
    return {"year": year, "title": year_title(year, start), "preset": registry.preset().title, "lines": rows}
