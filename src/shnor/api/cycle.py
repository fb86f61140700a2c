"""The management cycle over the API: system indicators with their drill-down (the same services
and scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from shnor.accounts.scoping import restrict
from shnor.api.schemas import Problem
from shnor.core.indicators import Value
from shnor.cycle import indicators as service
from shnor.registry.models import Municipality, School

ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 422: Problem}

indicators = Router(tags=["Показатели системы"])


class SystemIndicatorOut(Schema):
    code: str
    title: str
    kind: str
    source: str
    year: int
    value: float | None
    target: float | None
    status: str
    numerator: int
    denominator: int


class DrillRowOut(Schema):
    name: str
    key: str
    numerator: int
    denominator: int
    value: float | None


class UnitOut(Schema):
    key: str
    label: str
    school: str
    municipality: str
    counted: bool
    detail: str


class SystemIndicatorDetailOut(SystemIndicatorOut):
    by_municipality: list[DrillRowOut]
    by_school: list[DrillRowOut]
    units: list[UnitOut]


def _out(v: Value) -> dict[str, Any]:
    return {
        "code": v.definition.code,
        "title": v.title,
        "kind": v.definition.kind,
        "source": v.definition.source,
        "year": v.year,
        "value": v.value,
        "target": v.target,
        "status": v.status,
        "numerator": v.numerator,
        "denominator": v.denominator,
    }


def _level(request: HttpRequest, municipality: int | None, school_id: str) -> tuple[int | None, int | None]:
    user = request.auth  # type: ignore[attr-defined]
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
def indicators_list(request: HttpRequest, year: int, municipality: int | None = None, school_id: str = "") -> Any:
    m, s = _level(request, municipality, school_id)
    return [_out(v) for v in service.compute(request.auth, year, m, s)]  # type: ignore[attr-defined]


@indicators.get(
    "/{code}",
    response={200: SystemIndicatorDetailOut, **ERRORS},
    operation_id="indicators_get",
    summary="Показатель с расшифровкой по муниципалитетам, школам и учтённым объектам",
)
def indicators_get(
    request: HttpRequest, code: str, year: int, municipality: int | None = None, school_id: str = ""
) -> Any:
    m, s = _level(request, municipality, school_id)
    try:
        v = service.get(request.auth, year, code, m, s)  # type: ignore[attr-defined]
    except KeyError:
        raise Http404("Показатель не найден") from None
    return {
        **_out(v),
        "by_municipality": v.by("municipality"),
        "by_school": v.by("school"),
        "units": [u.__dict__ for u in v.units],
    }
