"""Risk profiles and programmes over the API (the same services and scope as the web pages).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from shnor.api.schemas import Id, In, Pages, Problem, Year
from shnor.programmes import services as programme_services
from shnor.programmes.models import Programme
from shnor.risks import services as risk_services
from shnor.risks.models import Profile

ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}

profiles = Router(tags=["Рисковые профили"])
programmes = Router(tags=["Программы"])


class ProfileOut(Schema):
    school_id: str
    name: str
    municipality: str
    year: int
    catalogue_version: str
    fixed: list[str]
    completeness: float
    factors: dict[str, Any]
    parameters: dict[str, Any]

    @staticmethod
    def resolve_school_id(p: Profile) -> str:
        return p.school.school_id

    @staticmethod
    def resolve_name(p: Profile) -> str:
        return p.school.name

    @staticmethod
    def resolve_municipality(p: Profile) -> str:
        return p.school.municipality.name


@profiles.get(
    "", response={200: list[ProfileOut], **ERRORS}, operation_id="risk_profiles_list", summary="Рисковые профили"
)
@paginate(Pages)
def profiles_list(request: HttpRequest, year: Year | None = None, fixed: str = "") -> Any:
    qs = risk_services.profiles(request.auth, year).order_by("school__school_id")  # type: ignore[attr-defined]
    if fixed:
        # JSON containment where the database has it; SQLite stores the list as text.
        if connection.vendor == "postgresql":
            qs = qs.filter(fixed__contains=[fixed])
        else:
            qs = qs.filter(fixed__icontains=f'"{fixed}"')
    return qs


@profiles.get(
    "/{school_id}/{year}",
    response={200: ProfileOut, **ERRORS},
    operation_id="risk_profiles_get",
    summary="Рисковый профиль школы за год",
)
def profiles_get(request: HttpRequest, school_id: str, year: Year) -> Any:
    try:
        return risk_services.profiles(request.auth, year).get(school__school_id=school_id)  # type: ignore[attr-defined]
    except Profile.DoesNotExist:
        raise Http404("Профиль не найден") from None


class IndicatorOut(Schema):
    id: int
    title: str
    unit: str
    baseline: float | None
    target: float
    actual: float | None
    direction: str
    binding: str


class ActivityOut(Schema):
    id: int
    phase: str
    position: int
    title: str
    responsible: str
    deadline: dt.date | None
    status: str
    done_on: dt.date | None


class ProgrammeOut(Schema):
    id: int
    level: str
    title: str
    status: str
    status_label: str
    school_id: str | None
    municipality: str | None
    start: dt.date
    end: dt.date
    template: str
    risk_factor: str

    @staticmethod
    def resolve_status_label(p: Programme) -> str:
        return str(p.get_status_display())

    @staticmethod
    def resolve_school_id(p: Programme) -> str | None:
        return p.school.school_id if p.school else None

    @staticmethod
    def resolve_municipality(p: Programme) -> str | None:
        if p.municipality:
            return p.municipality.name
        return p.school.municipality.name if p.school else None


class ProgrammeDetailOut(ProgrammeOut):
    goal: str
    tasks: str
    regulation: list[dict[str, Any]]
    indicators: list[IndicatorOut]
    activities: list[ActivityOut]

    @staticmethod
    def resolve_indicators(p: Programme) -> list[Any]:
        return list(p.indicators.all())

    @staticmethod
    def resolve_activities(p: Programme) -> list[Any]:
        today = programme_services.today()
        out = []
        for a in p.activities.all():
            a.status = programme_services.status_of(a, today, programme_services.is_live(p))
            out.append(a)
        return out


class TransitionIn(In):
    action: str
    comment: str = ""


def _programme(request: HttpRequest, programme_id: Id) -> Programme:
    try:
        return programme_services.get(request.auth, programme_id)  # type: ignore[attr-defined]
    except Programme.DoesNotExist:
        raise Http404("Программа не найдена") from None


@programmes.get("", response={200: list[ProgrammeOut], **ERRORS}, operation_id="programmes_list", summary="Программы")
@paginate(Pages)
def programmes_list(request: HttpRequest, level: str = "", status: str = "") -> Any:
    qs = programme_services.programmes(request.auth).order_by("pk")  # type: ignore[attr-defined]
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    return qs


@programmes.get(
    "/{programme_id}", response={200: ProgrammeDetailOut, **ERRORS}, operation_id="programmes_get", summary="Программа"
)
def programmes_get(request: HttpRequest, programme_id: Id) -> Any:
    return _programme(request, programme_id)


@programmes.post(
    "/{programme_id}/transitions",
    response={200: ProgrammeOut, **ERRORS},
    operation_id="programmes_transition",
    summary="Шаг согласования: submit, take, return, approve, enforce",
)
def programmes_transition(request: HttpRequest, programme_id: Id, body: TransitionIn) -> Any:
    programme = _programme(request, programme_id)
    return programme_services.transition(request.auth, programme, body.action, body.comment)  # type: ignore[attr-defined]
