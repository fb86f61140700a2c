"""Measures over the API (the same services and scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api import scoped
from shnor.api.schemas import ERRORS, Id, Pages, Year
from shnor.api.schemas.measures import MeasureIn, MeasureOut, MeasurePatch
from shnor.cycle import services as cycle
from shnor.cycle.models import Measure

measures = Router(tags=["Меры и мероприятия"])


@measures.get("", response={200: list[MeasureOut], **ERRORS}, operation_id="measures_list", summary="Меры года")
@paginate(Pages)
def measures_list(request: AuthedRequest, year: Year | None = None) -> QuerySet[Measure]:
    return cycle.measures(request.auth, year).prefetch_related("schools")


@measures.post("", response={201: MeasureOut, **ERRORS}, operation_id="measures_add", summary="Внести меру")
def measures_add(request: AuthedRequest, payload: MeasureIn) -> Status[Measure]:
    data = payload.dict()
    data["municipality"] = scoped.municipality(request, data.pop("municipality"))
    measure = cycle.add_measure(request.auth, schools=scoped.schools(request, data.pop("schools")), **data)
    return Status(201, measure)


@measures.patch(
    "/{measure_id}", response={200: MeasureOut, **ERRORS}, operation_id="measures_update", summary="Статус и результат"
)
def measures_update(request: AuthedRequest, measure_id: Id, payload: MeasurePatch) -> Measure:
    measure = get_object_or_404(cycle.measures(request.auth), pk=measure_id)
    return cycle.update_measure(request.auth, measure, payload.status, payload.result)
