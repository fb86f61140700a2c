"""One router per resource; each endpoint parses input, calls a service and returns its result.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from shnor.accounts.scoping import scope_of
from shnor.api.schemas import (
    AuditOut,
    BodyIn,
    BodyOut,
    Id,
    MeOut,
    MunicipalityOut,
    Pages,
    PersonIn,
    PersonOut,
    Problem,
    SchoolIn,
    SchoolOut,
    SchoolPatch,
)
from shnor.audit import services as audit
from shnor.registry import services as registry
from shnor.registry.models import InfrastructureBody, Person, School

ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 422: Problem}

me = Router(tags=["Пользователь"])
municipalities = Router(tags=["Муниципалитеты"])
schools = Router(tags=["Школы"])
bodies = Router(tags=["Инфраструктура"])
people = Router(tags=["Участники"])
audit_log = Router(tags=["Журнал изменений"])


@me.get(
    "", response={200: MeOut, **ERRORS}, operation_id="me_get", summary="Текущий пользователь и его область доступа"
)
def me_get(request: HttpRequest) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "role_label": user.role_label,
        "scope": scope_of(user).describe(),
        "municipality_id": user.municipality_id,
        "school_id": user.school_id,
    }


@municipalities.get("", response=list[MunicipalityOut], operation_id="municipalities_list", summary="Муниципалитеты")
@paginate(Pages)
def municipalities_list(request: HttpRequest) -> Any:
    return registry.municipalities(request.auth).order_by("name")  # type: ignore[attr-defined]


@municipalities.get(
    "/{pk}", response={200: MunicipalityOut, **ERRORS}, operation_id="municipalities_get", summary="Муниципалитет"
)
def municipalities_get(request: HttpRequest, pk: Id) -> Any:
    return get_object_or_404(registry.municipalities(request.auth), pk=pk)  # type: ignore[attr-defined]


class SchoolFilter(Schema):
    q: str = ""
    municipality: Id | None = None
    locality: str = ""
    innovation_site: bool | None = None


@schools.get("", response=list[SchoolOut], operation_id="schools_list", summary="Школы в области доступа")
@paginate(Pages)
def schools_list(request: HttpRequest, filters: Query[SchoolFilter]) -> Any:
    qs = registry.schools(request.auth)  # type: ignore[attr-defined]
    return registry.filter_schools(
        qs,
        q=filters.q,
        municipality=filters.municipality,
        locality=filters.locality,
        innovation_site=filters.innovation_site,
    ).order_by("name", "pk")


@schools.get("/{pk}", response={200: SchoolOut, **ERRORS}, operation_id="schools_get", summary="Школа")
def schools_get(request: HttpRequest, pk: Id) -> Any:
    return get_object_or_404(registry.schools(request.auth), pk=pk)  # type: ignore[attr-defined]


@schools.post(
    "", response={201: SchoolOut, **ERRORS}, operation_id="schools_create", summary="Добавить школу (оператор)"
)
def schools_create(request: HttpRequest, payload: SchoolIn) -> Any:
    school = registry.save_school(request.auth, School(**payload.dict()))  # type: ignore[attr-defined]
    return Status(201, School.objects.select_related("municipality").get(pk=school.pk))


@schools.patch(
    "/{pk}", response={200: SchoolOut, **ERRORS}, operation_id="schools_update", summary="Изменить школу (оператор)"
)
def schools_update(request: HttpRequest, pk: Id, payload: SchoolPatch) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    school = get_object_or_404(registry.schools(user), pk=pk)
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(school, field, value)
    registry.save_school(user, school)
    return School.objects.select_related("municipality").get(pk=school.pk)


@bodies.get("", response=list[BodyOut], operation_id="bodies_list", summary="Структуры инфраструктуры поддержки")
@paginate(Pages)
def bodies_list(request: HttpRequest, kind: str = "") -> Any:
    qs = registry.bodies(request.auth)  # type: ignore[attr-defined]
    return (qs.filter(kind=kind) if kind else qs).order_by("kind", "name", "pk")


@bodies.get("/{pk}", response={200: BodyOut, **ERRORS}, operation_id="bodies_get", summary="Структура")
def bodies_get(request: HttpRequest, pk: Id) -> Any:
    return get_object_or_404(registry.bodies(request.auth), pk=pk)  # type: ignore[attr-defined]


@bodies.post("", response={201: BodyOut, **ERRORS}, operation_id="bodies_create", summary="Добавить структуру")
def bodies_create(request: HttpRequest, payload: BodyIn) -> Any:
    return Status(201, registry.save_body(request.auth, InfrastructureBody(**payload.dict())))  # type: ignore[attr-defined]


@bodies.patch("/{pk}", response={200: BodyOut, **ERRORS}, operation_id="bodies_update", summary="Изменить структуру")
def bodies_update(request: HttpRequest, pk: Id, payload: BodyIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    body = get_object_or_404(registry.bodies(user), pk=pk)
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(body, field, value)
    return registry.save_body(user, body)


@people.get("", response=list[PersonOut], operation_id="people_list", summary="Участники")
@paginate(Pages)
def people_list(request: HttpRequest, q: str = "") -> Any:
    qs = registry.people(request.auth)  # type: ignore[attr-defined]
    return (qs.filter(full_name__icontains=q) if q else qs).order_by("full_name", "pk")


@people.post("", response={201: PersonOut, **ERRORS}, operation_id="people_create", summary="Добавить участника")
def people_create(request: HttpRequest, payload: PersonIn) -> Any:
    return Status(201, registry.save_person(request.auth, Person(**payload.dict())))  # type: ignore[attr-defined]


@audit_log.get(
    "", response={200: list[AuditOut], **ERRORS}, operation_id="audit_list", summary="Журнал изменений (оператор)"
)
@paginate(Pages)
def audit_list(request: HttpRequest, q: str = "", action: str = "", model: str = "") -> Any:
    return audit.entries(request.auth, q=q, action=action, model=model)  # type: ignore[attr-defined]
