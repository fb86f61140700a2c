"""Management decisions over the API: registered with their document, executed (the same services
and scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api import scoped
from shnor.api.schemas import ERRORS, Id, Pages, Year
from shnor.api.schemas.decisions import DecisionIn, DecisionOut, ExecutionIn
from shnor.cycle import services as cycle
from shnor.records import services as records
from shnor.records.models import Decision

decisions = Router(tags=["Управленческие решения"])


def _decisions(request: AuthedRequest) -> QuerySet[Decision]:
    return records.decisions(request.auth).prefetch_related("schools", "measures", "recommendations")


@decisions.get("", response={200: list[DecisionOut], **ERRORS}, operation_id="decisions_list", summary="Решения")
@paginate(Pages)
def decisions_list(request: AuthedRequest, year: Year | None = None) -> QuerySet[Decision]:
    qs = _decisions(request)
    return qs.filter(date__year=year) if year else qs


@decisions.post(
    "",
    response={201: DecisionOut, **ERRORS},
    operation_id="decisions_add",
    summary="Зарегистрировать решение и сформировать его документ по шаблону",
)
def decisions_add(request: AuthedRequest, payload: DecisionIn) -> Status[Decision]:
    user = request.auth
    data = payload.dict()
    municipality = scoped.municipality(request, data.pop("municipality"))
    measure_ids, rec_ids = data.pop("measures"), data.pop("recommendations")
    conclusion_id = data.pop("conclusion_id")
    conclusion = None
    if conclusion_id is not None:
        conclusion = get_object_or_404(cycle.conclusions(user), pk=conclusion_id)
    chosen_measures = list(cycle.measures(user).filter(pk__in=measure_ids))
    chosen_recs = list(cycle.recommendations(user).filter(pk__in=rec_ids))
    if len(chosen_measures) != len(set(measure_ids)) or len(chosen_recs) != len(set(rec_ids)):
        raise Http404("Мера или рекомендация не найдена")
    decision = cycle.record_decision(
        user,
        municipality=municipality,
        schools=scoped.schools(request, data.pop("schools")),
        measures_=chosen_measures,
        recommendations_=chosen_recs,
        conclusion=conclusion,
        **data,
    )
    return Status(201, decision)


@decisions.get("/{decision_id}", response={200: DecisionOut, **ERRORS}, operation_id="decisions_get", summary="Решение")
def decisions_get(request: AuthedRequest, decision_id: Id) -> Decision:
    return get_object_or_404(_decisions(request), pk=decision_id)


@decisions.post(
    "/{decision_id}/execute",
    response={200: DecisionOut, **ERRORS},
    operation_id="decisions_execute",
    summary="Отметить исполнение решения",
)
def decisions_execute(request: AuthedRequest, decision_id: Id, payload: ExecutionIn) -> Decision:
    decision = get_object_or_404(_decisions(request), pk=decision_id)
    return cycle.execute(request.auth, decision, payload.executed_at, payload.execution)
