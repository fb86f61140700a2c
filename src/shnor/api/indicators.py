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
from shnor.api.schemas.indicators import SystemIndicatorDetailOut, SystemIndicatorOut
from shnor.core.indicators import Value
from shnor.cycle import indicators as service
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
