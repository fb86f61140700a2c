"""The registry over the API: municipalities, schools, infrastructure bodies, people (the same
services and scope as the pages under /registry/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db import models
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS_NO_CONFLICT, Id, Pages
from shnor.api.schemas.registry import (
    BodyIn,
    BodyOut,
    MunicipalityIn,
    MunicipalityOut,
    MunicipalityPatch,
    PersonIn,
    PersonOut,
    PersonPatch,
    SchoolFilter,
    SchoolIn,
    SchoolOut,
    SchoolPatch,
)
from shnor.registry import services as registry
from shnor.registry.models import InfrastructureBody, Municipality, Person, School

ERRORS = ERRORS_NO_CONFLICT


def _patch(obj: models.Model, payload: Schema) -> None:
    """A PATCH: only the fields the body sends change."""
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(obj, field, value)


municipalities = Router(tags=["Муниципалитеты"])
schools = Router(tags=["Школы"])
bodies = Router(tags=["Инфраструктура"])
people = Router(tags=["Участники"])


@municipalities.get("", response=list[MunicipalityOut], operation_id="municipalities_list", summary="Муниципалитеты")
@paginate(Pages)
def municipalities_list(request: AuthedRequest) -> QuerySet[Municipality]:
    return registry.municipalities(request.auth).order_by("name")


@municipalities.get(
    "/{pk}", response={200: MunicipalityOut, **ERRORS}, operation_id="municipalities_get", summary="Муниципалитет"
)
def municipalities_get(request: AuthedRequest, pk: Id) -> Municipality:
    return get_object_or_404(registry.municipalities(request.auth), pk=pk)


@municipalities.post(
    "",
    response={201: MunicipalityOut, **ERRORS},
    operation_id="municipalities_create",
    summary="Добавить муниципалитет (оператор)",
)
def municipalities_create(request: AuthedRequest, payload: MunicipalityIn) -> Status[Municipality]:
    user = request.auth
    data = payload.dict()
    region = get_object_or_404(registry.regions(user), pk=data.pop("region_id"))
    return Status(201, registry.save_municipality(user, Municipality(region=region, **data)))


@municipalities.patch(
    "/{pk}",
    response={200: MunicipalityOut, **ERRORS},
    operation_id="municipalities_update",
    summary="Изменить муниципалитет (оператор)",
)
def municipalities_update(request: AuthedRequest, pk: Id, payload: MunicipalityPatch) -> Municipality:
    user = request.auth
    municipality = get_object_or_404(registry.municipalities(user), pk=pk)
    _patch(municipality, payload)
    return registry.save_municipality(user, municipality)


@schools.get("", response=list[SchoolOut], operation_id="schools_list", summary="Школы в области доступа")
@paginate(Pages)
def schools_list(request: AuthedRequest, filters: Query[SchoolFilter]) -> QuerySet[School]:
    qs = registry.schools(request.auth)
    return registry.filter_schools(
        qs,
        q=filters.q,
        municipality=filters.municipality,
        locality=filters.locality,
        innovation_site=filters.innovation_site,
    ).order_by("name", "pk")


@schools.get("/{pk}", response={200: SchoolOut, **ERRORS}, operation_id="schools_get", summary="Школа")
def schools_get(request: AuthedRequest, pk: Id) -> School:
    return get_object_or_404(registry.schools(request.auth), pk=pk)


@schools.post(
    "", response={201: SchoolOut, **ERRORS}, operation_id="schools_create", summary="Добавить школу (оператор)"
)
def schools_create(request: AuthedRequest, payload: SchoolIn) -> Status[School]:
    school = registry.save_school(request.auth, School(**payload.dict()))
    return Status(201, School.objects.select_related("municipality").get(pk=school.pk))


@schools.patch(
    "/{pk}", response={200: SchoolOut, **ERRORS}, operation_id="schools_update", summary="Изменить школу (оператор)"
)
def schools_update(request: AuthedRequest, pk: Id, payload: SchoolPatch) -> School:
    user = request.auth
    school = get_object_or_404(registry.schools(user), pk=pk)
    _patch(school, payload)
    registry.save_school(user, school)
    return School.objects.select_related("municipality").get(pk=school.pk)


@bodies.get("", response=list[BodyOut], operation_id="bodies_list", summary="Структуры инфраструктуры поддержки")
@paginate(Pages)
def bodies_list(request: AuthedRequest, kind: str = "") -> QuerySet[InfrastructureBody]:
    qs = registry.bodies(request.auth)
    return (qs.filter(kind=kind) if kind else qs).order_by("kind", "name", "pk")


@bodies.get("/{pk}", response={200: BodyOut, **ERRORS}, operation_id="bodies_get", summary="Структура")
def bodies_get(request: AuthedRequest, pk: Id) -> InfrastructureBody:
    return get_object_or_404(registry.bodies(request.auth), pk=pk)


@bodies.post("", response={201: BodyOut, **ERRORS}, operation_id="bodies_create", summary="Добавить структуру")
def bodies_create(request: AuthedRequest, payload: BodyIn) -> Status[InfrastructureBody]:
    return Status(201, registry.save_body(request.auth, InfrastructureBody(**payload.dict())))


@bodies.patch("/{pk}", response={200: BodyOut, **ERRORS}, operation_id="bodies_update", summary="Изменить структуру")
def bodies_update(request: AuthedRequest, pk: Id, payload: BodyIn) -> InfrastructureBody:
    user = request.auth
    body = get_object_or_404(registry.bodies(user), pk=pk)
    _patch(body, payload)
    return registry.save_body(user, body)


@people.get("", response=list[PersonOut], operation_id="people_list", summary="Участники")
@paginate(Pages)
def people_list(request: AuthedRequest, q: str = "") -> QuerySet[Person]:
    qs = registry.people(request.auth)
    return (qs.filter(full_name__icontains=q) if q else qs).order_by("full_name", "pk")


@people.post("", response={201: PersonOut, **ERRORS}, operation_id="people_create", summary="Добавить участника")
def people_create(request: AuthedRequest, payload: PersonIn) -> Status[Person]:
    return Status(201, registry.save_person(request.auth, Person(**payload.dict())))


@people.patch("/{pk}", response={200: PersonOut, **ERRORS}, operation_id="people_update", summary="Изменить участника")
def people_update(request: AuthedRequest, pk: Id, payload: PersonPatch) -> Person:
    user = request.auth
    person = get_object_or_404(registry.people(user), pk=pk)
    _patch(person, payload)
    return registry.save_person(user, person)
