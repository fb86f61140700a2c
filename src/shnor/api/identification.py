"""Identification over the API: runs, the contract's output table, one school's evidence.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS, Id, Pages, Problem, Year
from shnor.api.schemas.decisions import DecisionOut
from shnor.api.schemas.identification import (
    EvidenceOut,
    ListApproveIn,
    ListChangeIn,
    ListChangeOut,
    ListRowOut,
    ResultOut,
    ReviewIn,
    RunDetailOut,
    RunIn,
    RunOut,
    SignOut,
)
from shnor.identification import labels, services
from shnor.identification.models import ListChange, Run, SchoolResult, Sign
from shnor.lib.lookup import or_404
from shnor.records.models import Decision
from shnor.registry.models import School

runs = Router(tags=["Идентификация"])


def _run(run_id: Id) -> Run:
    return get_object_or_404(Run, pk=run_id)


@runs.get("", response=list[RunOut], operation_id="identification_runs_list", summary="Расчёты идентификации")
@paginate(Pages)
def runs_list(request: AuthedRequest, year: Year | None = None) -> QuerySet[Run]:
    qs = services.runs()
    return qs.filter(year=year) if year else qs


@runs.post(
    "",
    response={201: RunDetailOut, 202: RunDetailOut, 422: RunDetailOut, 401: Problem, 403: Problem, 409: Problem},
    operation_id="identification_runs_create",
    summary="Запустить идентификацию за год",
    description="Расчёт по пресету каталога данных. wait=true (по умолчанию) возвращает готовый расчёт (201) "
    "или неудачный (422); wait=false ставит его в очередь и сразу возвращает 202.",
)
def runs_create(request: AuthedRequest, body: RunIn) -> Status[Run]:
    user = request.auth
    source = _run(body.reviewed_from) if body.reviewed_from is not None else None
    run = services.start(user, body.year, engine=body.engine, channel="api", queue=not body.wait, reviewed_from=source)
    if body.wait:
        run = services.execute(run.pk)
    run.refresh_from_db()
    if run.status == Run.Status.DONE:
        return Status(201, run)
    if run.status == Run.Status.FAILED:
        return Status(422, run)
    return Status(202, run)


@runs.get("/{run_id}", response={200: RunDetailOut, **ERRORS}, operation_id="identification_runs_get", summary="Расчёт")
def runs_get(request: AuthedRequest, run_id: Id) -> Run:
    return _run(run_id)


@runs.get(
    "/{run_id}/results",
    response={200: list[ResultOut], **ERRORS},
    operation_id="identification_results_list",
    summary="Результаты по школам (таблица контракта данных)",
)
@paginate(Pages)
def results_list(
    request: AuthedRequest,
    run_id: Id,
    municipality: Id | None = None,
    cluster: str = "",
    category: str = "",
    selected: bool | None = None,
    objectivity: bool | None = None,
    group: Literal["", "low_results", "unfavourable", "both", "other"] = "",
    cluster_municipal: Literal["", "effective", "resilient", "struggling", "deprived"] = "",
) -> QuerySet[SchoolResult]:
    """`group`: why a selected school is listed — ШНОР (`low_results`), ШНСУ (`unfavourable`), both, other."""
    run = _run(run_id)
    qs = services.results_for(request.auth, run).select_related("run")
    qs = services.filter_results(
        qs,
        municipality=municipality,
        cluster=cluster,
        category=category,
        selected=selected,
        objectivity=objectivity,
        group=group,
        cluster_municipal=cluster_municipal,
    )
    return qs.order_by("school__municipality__name", "school__name")


@runs.get(
    "/{run_id}/schools/{school_id}",
    response={200: EvidenceOut, **ERRORS},
    operation_id="identification_school_evidence",
    summary="Доказательная база по школе: компоненты, признаки, ИОР по годам",
)
def school_evidence(request: AuthedRequest, run_id: Id, school_id: str) -> dict[str, Any]:
    run = _run(run_id)
    school = School.objects.filter(school_id=school_id).first()
    if school is None:
        raise Http404
    try:
        found = services.evidence(request.auth, run, school.pk)
    except SchoolResult.DoesNotExist:
        raise Http404 from None
    return {
        "result": found.result,
        "per_year": found.result.per_year,
        "components": found.components,
        "signs": found.signs,
    }


@runs.put(
    "/{run_id}/signs/{sign_id}",
    response={200: SignOut, **ERRORS},
    operation_id="identification_sign_review",
    summary="Решение по признаку необъективности: подтвердить или отклонить",
)
def sign_review(request: AuthedRequest, run_id: Id, sign_id: Id, body: ReviewIn) -> Sign:
    sign = or_404(services.sign_to_review, request.auth, run_id, sign_id)
    try:
        return services.review_sign(request.auth, sign, body.review, body.note)
    except SchoolResult.DoesNotExist:
        raise Http404 from None


def _done(run_id: Id) -> Run:
    run = _run(run_id)
    if run.status != Run.Status.DONE:
        raise Http404("Расчёт не выполнен: перечня нет")
    return run


@runs.get(
    "/{run_id}/list",
    response={200: list[ListRowOut], **ERRORS},
    operation_id="identification_list_get",
    summary="Перечень по расчёту с изменениями людей (школы в вашей области доступа)",
)
@paginate(Pages)
def list_get(request: AuthedRequest, run_id: Id) -> list[dict[str, Any]]:
    return [
        {
            "school_id": r.school.school_id,
            "school": r.school.name,
            "municipality": r.school.municipality.name,
            "reason": reason,
            "group": group,
            "group_label": labels.GROUPS[group],
        }
        for r, reason, group in services.listed_rows(request.auth, _done(run_id))
    ]


@runs.post(
    "/{run_id}/list/changes",
    response={201: ListChangeOut, **ERRORS},
    operation_id="identification_list_change",
    summary="Включить школу в перечень или исключить её, с основанием (до утверждения)",
)
def list_change(request: AuthedRequest, run_id: Id, body: ListChangeIn) -> Status[ListChange]:
    run = _done(run_id)
    result = services.results_for(request.auth, run).filter(school__school_id=body.school_id).first()
    if result is None:
        raise Http404("Школа не найдена в расчёте или вне вашей области доступа")
    return Status(201, services.change_list(request.auth, run, result.school_id, body.action, body.reason))


@runs.post(
    "/{run_id}/list/approve",
    response={201: DecisionOut, **ERRORS},
    operation_id="identification_list_approve",
    summary="Утвердить перечень: приказ и аналитическая справка",
)
def list_approve(request: AuthedRequest, run_id: Id, body: ListApproveIn) -> Status[Decision]:
    run = _done(run_id)
    decision = services.approve(
        request.auth, run, number=body.number, date=body.date, signatory=body.signatory, replaces=body.replaces
    )
    return Status(201, decision)
