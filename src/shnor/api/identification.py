"""Identification over the API: runs, the contract's output table, one school's evidence.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shnor.api.schemas import Id, In, Pages, Problem, Year
from shnor.identification import services
from shnor.identification.models import Run, SchoolResult
from shnor.registry.models import School

ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}

runs = Router(tags=["Идентификация"])


class RunIn(In):
    year: Year
    engine: str = ""
    wait: bool = True


class RunOut(Schema):
    id: int
    year: int
    status: str
    status_label: str
    preset: str
    preset_version: str
    engine: str
    progress: int
    stage: str
    message: str
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_status_label(run: Run) -> str:
        return str(run.get_status_display())

    @staticmethod
    def resolve_created_by(run: Run) -> str | None:
        return run.created_by.username if run.created_by else None


class RunDetailOut(RunOut):
    summary: dict[str, Any]
    inputs: dict[str, Any]
    methodology: dict[str, Any]


class ResultOut(Schema):
    """One row of the contract's output table, plus the figures behind it."""

    school_id: str
    name: str
    municipality: str
    year: int
    ior: float | None
    ior_low: bool
    isb: float | None
    isb_low: bool
    cluster: str
    stable_low: bool
    value_added: float | None
    value_added_low: float | None
    value_added_high: float | None
    objectivity_flag: bool
    objectivity_signs: str
    category: str
    selected: bool
    insufficient_data: bool
    ior_se: float | None
    ior_raw: float | None
    participants: int
    federal_risk: bool
    orders: bool
    complaints: bool
    reasons: str

    @staticmethod
    def resolve_school_id(r: SchoolResult) -> str:
        return r.school.school_id

    @staticmethod
    def resolve_name(r: SchoolResult) -> str:
        return r.school.name

    @staticmethod
    def resolve_municipality(r: SchoolResult) -> str:
        return r.school.municipality.name

    @staticmethod
    def resolve_year(r: SchoolResult) -> int:
        return r.run.year


class ComponentOut(Schema):
    year: int
    procedure: str
    subject: str
    grade: int
    participants: int
    mean: float
    region_mean: float
    region_sd: float
    z: float
    variance: float
    weight: float


class SignOut(Schema):
    id: int
    year: int
    code: str
    procedure: str
    subject: str
    grade: int | None
    value: float
    threshold: float
    reference: float
    severity: str
    evidence: dict[str, Any]
    review: str
    review_note: str


class EvidenceOut(Schema):
    result: ResultOut
    per_year: list[dict[str, Any]]
    components: list[ComponentOut]
    signs: list[SignOut]


def _run(run_id: Id) -> Run:
    return get_object_or_404(Run, pk=run_id)


@runs.get("", response=list[RunOut], operation_id="identification_runs_list", summary="Расчёты идентификации")
@paginate(Pages)
def runs_list(request: HttpRequest, year: Year | None = None) -> Any:
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
def runs_create(request: HttpRequest, body: RunIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    run = services.start(user, body.year, engine=body.engine, channel="api", queue=not body.wait)
    if body.wait:
        run = services.execute(run.pk)
    run.refresh_from_db()
    if run.status == Run.Status.DONE:
        return Status(201, run)
    if run.status == Run.Status.FAILED:
        return Status(422, run)
    return Status(202, run)


@runs.get("/{run_id}", response={200: RunDetailOut, **ERRORS}, operation_id="identification_runs_get", summary="Расчёт")
def runs_get(request: HttpRequest, run_id: Id) -> Any:
    return _run(run_id)


@runs.get(
    "/{run_id}/results",
    response={200: list[ResultOut], **ERRORS},
    operation_id="identification_results_list",
    summary="Результаты по школам (таблица контракта данных)",
)
@paginate(Pages)
def results_list(
    request: HttpRequest,
    run_id: Id,
    municipality: Id | None = None,
    cluster: str = "",
    category: str = "",
    selected: bool | None = None,
    objectivity: bool | None = None,
) -> Any:
    run = _run(run_id)
    qs = services.results_for(request.auth, run).select_related("run")  # type: ignore[attr-defined]
    qs = services.filter_results(
        qs, municipality=municipality, cluster=cluster, category=category, selected=selected, objectivity=objectivity
    )
    return qs.order_by("school__municipality__name", "school__name")


@runs.get(
    "/{run_id}/schools/{school_id}",
    response={200: EvidenceOut, **ERRORS},
    operation_id="identification_school_evidence",
    summary="Доказательная база по школе: компоненты, признаки, ИОР по годам",
)
def school_evidence(request: HttpRequest, run_id: Id, school_id: str) -> Any:
    run = _run(run_id)
    school = School.objects.filter(school_id=school_id).first()
    if school is None:
        raise Http404
    try:
        found = services.evidence(request.auth, run, school.pk)  # type: ignore[attr-defined]
    except SchoolResult.DoesNotExist:
        raise Http404 from None
    return {
        "result": found.result,
        "per_year": found.result.per_year,
        "components": found.components,
        "signs": found.signs,
    }
