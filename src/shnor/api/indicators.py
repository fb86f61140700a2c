"""The system's indicators over the API: values with targets and statuses, and their drill-down by
municipality, school and the objects counted (the same services and scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.scoping import restrict
from shnor.api.schemas import ERRORS, Id, Year
from shnor.api.schemas.indicators import MonitoringOut, SystemIndicatorDetailOut, SystemIndicatorOut
from shnor.core.indicators import Value
from shnor.core.municipal import CATEGORY_TITLES, CRITERIA, Count
from shnor.cycle import indicators as service
from shnor.cycle import municipal
from shnor.registry.models import Municipality, School

indicators = Router(tags=["Показатели системы"])


def value_out(v: Value) -> dict[str, Any]:
    return {
        "code": v.definition.code,
        "title": v.title,
        "kind": v.definition.kind,
        "source": v.source,
        "year": v.year,
        "value": v.value,
        "target": v.target,
        "status": v.status,
        "numerator": v.numerator,
        "denominator": v.denominator,
    }


def _level(request: AuthedRequest, municipality: Id | None, school_id: str) -> tuple[int | None, int | None]:
    user = request.auth
    if municipality is not None:
        get_object_or_404(restrict(Municipality.objects.all(), user), pk=municipality)
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=school_id).pk if school_id else None
    return municipality, school


@indicators.get(
    "",
    response={200: list[SystemIndicatorOut], **ERRORS},
    operation_id="indicators_list",
    summary="Показатели системы за год: значение, цель, статус (регион, муниципалитет или школа)",
)
def indicators_list(
    request: AuthedRequest, year: Year, municipality: Id | None = None, school_id: str = ""
) -> list[dict[str, Any]]:
    m, s = _level(request, municipality, school_id)
    return [value_out(v) for v in service.compute(request.auth, year, m, s)]


@indicators.get(
    "/{code}",
    response={200: SystemIndicatorDetailOut, **ERRORS},
    operation_id="indicators_get",
    summary="Показатель с расшифровкой по муниципалитетам, школам и учтённым объектам",
)
def indicators_get(
    request: AuthedRequest, code: str, year: Year, municipality: Id | None = None, school_id: str = ""
) -> dict[str, Any]:
    m, s = _level(request, municipality, school_id)
    try:
        v = service.get(request.auth, year, code, m, s)
    except KeyError:
        raise Http404("Показатель не найден") from None
    return {
        **value_out(v),
        "by_municipality": v.by("municipality"),
        "by_school": v.by("school"),
        "units": [u.__dict__ for u in service.visible_units(request.auth, v)],
    }


monitoring = Router(tags=["Показатели системы"])


def _share(count: Count) -> float | None:
    return None if count.share is None else float(count.share)


@monitoring.get(
    "/municipalities",
    response={200: MonitoringOut, **ERRORS},
    operation_id="monitoring_municipalities",
    summary="Входной мониторинг муниципальных органов управления образованием за год: категории риска и отбор",
)
def monitoring_municipalities(request: AuthedRequest, year: Year) -> dict[str, Any]:
    m = municipal.monitoring(request.auth, year)
    a = m.assessment
    return {
        "year": m.year,
        "run_id": m.run.pk if m.run else None,
        "basis": (m.source.act or m.source.setting) if m.source else "",
        "basis_is_act": bool(m.source and m.source.act),
        "concentration": a.rules.concentration,
        "high": a.rules.high,
        "medium": a.rules.medium,
        "listed": a.listed,
        "selected_hold": float(a.selected_hold),
        "criteria": [
            {
                "code": c.code,
                "title": c.title,
                "kind": c.kind,
                "over": c.over,
                "own": c.own,
                "region_part": a.region[c.code].part,
                "region_whole": a.region[c.code].whole,
                "region_share": None if c.own else _share(a.region[c.code]),
            }
            for c in CRITERIA
        ],
        "municipalities": [
            {
                "code": r.district.code,
                "name": r.district.name,
                "schools": r.district.schools,
                "listed": r.district.listed,
                "groups": m.groups.get(r.district.code, {}),
                "holds": float(r.holds),
                "selected": r.selected,
                "category": r.category,
                "category_title": CATEGORY_TITLES[r.category],
                "in_zone": r.in_zone,
                "measured": r.measured,
                "counts": [
                    {
                        "criterion": code,
                        "part": count.part,
                        "whole": count.whole,
                        "share": _share(count),
                        "in_zone": r.zone.get(code),
                    }
                    for code, count in r.district.counts.items()
                ],
            }
            for r in m.rows
        ],
    }
