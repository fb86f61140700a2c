"""The schemas of identification: runs, the contract's output table, one school's evidence.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from shnor.api.schemas import Id, In, Year
from shnor.identification import services as identification
from shnor.identification.models import ListChange, Run, SchoolResult


class RunIn(In):
    year: Year
    engine: str = ""
    wait: bool = True
    # A run that applies people's reviews of the signs of this earlier run (its year is used).
    reviewed_from: Id | None = None


class RunOut(Schema):
    id: int
    year: int
    reviewed_from_id: int | None = None
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
    approved: bool = Field(description="перечень по расчёту утверждён приказом")
    decision_id: int | None = Field(description="решение (приказ) об утверждении перечня: GET /api/decisions/{id}")

    @staticmethod
    def resolve_approved(run: Run) -> bool:
        return bool(run.is_approved)

    @staticmethod
    def resolve_decision_id(run: Run) -> int | None:
        decision = run.decisions.order_by("pk").first()
        return decision.pk if decision else None

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
    cluster_municipal: str
    stable_low: bool
    value_added: float | None
    value_added_low: float | None
    value_added_high: float | None
    objectivity_flag: bool
    objectivity_signs: str
    objectivity_z: float | None = Field(
        description="сила свидетельств необъективности: отметка — при силе не ниже порога (2,58 при доле ложных отметок 0,5 %)"
    )
    ior_low_probability: float | None = Field(description="вероятность, что истинный ИОР в «низкой» зоне")
    isb_se: float | None = Field(description="стандартная ошибка ИСБ от случайности долей при численности обучающихся")
    isb_low_probability: float | None = Field(
        description="вероятность, что ИСБ без случайности долей не выше порога «низкой» зоны"
    )
    isb_missing: str = Field(description="коды долей ИСБ, которых нет в записи школы, через «;»")
    category: str
    selected: bool
    insufficient_data: bool
    group: str = Field(description="группа, предложенная расчётом (low_results, unfavourable, both, other)")
    listed: bool = Field(description="школа в перечне с учётом решений людей (включений и исключений)")
    list_group: str = Field(
        description="группа школы в перечне с учётом решений: у включённой решением — по её категориям; вне перечня — пусто"
    )
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

    @staticmethod
    def resolve_listed(r: SchoolResult, context: dict[str, Any]) -> bool:
        return r.school_id in _final_list(r, context)

    @staticmethod
    def resolve_list_group(r: SchoolResult, context: dict[str, Any]) -> str:
        return identification.list_group(r, _final_list(r, context))


def _final_list(r: SchoolResult, context: dict[str, Any]) -> dict[int, str]:
    """The run's list after people's changes, read once per request (a page has one run)."""
    cache: dict[int, dict[int, str]] = context["request"].__dict__.setdefault("_shnor_final_lists", {})
    if r.run_id not in cache:
        cache[r.run_id] = identification.final_list(r.run)
    return cache[r.run_id]


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


class ReviewIn(In):
    review: Literal["confirmed", "rejected"] = Field(description="подтвердить или отклонить признак")
    note: str = ""


class ListRowOut(Schema):
    school_id: str
    school: str
    municipality: str
    reason: str = Field(description="основание включения: предложение расчёта или решение человека")
    group: str = Field(description="low_results (ШНОР), unfavourable (ШНСУ), both")
    group_label: str


class ListChangeIn(In):
    db_model = (ListChange,)
    school_id: str = Field(max_length=64, description="код школы")
    action: Literal["add", "remove"]
    reason: str = Field(min_length=1, description="основание изменения")


class ListChangeOut(Schema):
    id: int
    school_id: str
    action: str
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_school_id(c: ListChange) -> str:
        return c.school.school_id


class ListApproveIn(In):
    number: str = Field(max_length=50, description="номер приказа")
    date: dt.date = Field(description="дата приказа")
    signatory: str = Field("", max_length=300)
    replaces: str = Field("", description="причина замены ранее утверждённого перечня этого года")
