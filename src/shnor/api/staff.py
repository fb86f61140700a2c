"""Teachers over the API: cards, routes (ИОМ) and their items, diagnostics, courses, the preset's
targets and the aggregates (the same services and scope as the pages under /teachers/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import require
from shnor.api.schemas import ERRORS, Id, Pages, Year
from shnor.api.schemas.staff import (
    AggregateOut,
    CardOut,
    CourseIn,
    CourseOut,
    DiagnosticsIn,
    EmploymentOut,
    EnteredOut,
    ItemIn,
    ItemNewIn,
    ItemOut,
    OfferIn,
    OfferOut,
    RouteIn,
    RouteOut,
    StaffIn,
    TargetOut,
)
from shnor.api.scoped import cleaned
from shnor.lib.lookup import or_404
from shnor.registry.models import Municipality, School
from shnor.staff import services as staff
from shnor.staff.forms import OfferForm
from shnor.staff.models import Course, Offer, Route, RouteItem, StaffMember

teachers = Router(tags=["Педагоги"])


@teachers.get(
    "",
    response={200: list[EmploymentOut], **ERRORS},
    operation_id="teachers_list",
    summary="Педагоги в области доступа",
)
@paginate(Pages)
def teachers_list(request: AuthedRequest, school_id: str = "") -> QuerySet[StaffMember]:
    user = request.auth
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=school_id) if school_id else None
    return staff.teachers(user, school)


@teachers.post(
    "",
    response={201: EmploymentOut, **ERRORS},
    operation_id="teachers_create",
    summary="Внести педагога школы (руководитель школы или оператор)",
)
def teachers_create(request: AuthedRequest, body: StaffIn) -> Status[StaffMember]:
    user = request.auth
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=body.school_id)
    fields = body.dict(exclude={"school_id", "staff_key"})
    return Status(201, staff.add_staff(user, school, body.staff_key, **fields))


@teachers.get(
    "/targets",
    response={200: list[TargetOut], **ERRORS},
    operation_id="teachers_targets",
    summary="Целевые показатели пресета по педагогам с ходом выполнения",
)
def teachers_targets(request: AuthedRequest, year: Year) -> list[staff.Target]:
    return staff.targets(request.auth, year)


@teachers.get(
    "/aggregates",
    response={200: list[AggregateOut], **ERRORS},
    operation_id="teachers_aggregates",
    summary="Сводка по муниципалитетам или, внутри муниципалитета, по школам",
)
def teachers_aggregates(request: AuthedRequest, year: Year, municipality: Id | None = None) -> list[staff.Aggregate]:
    user = request.auth
    muni = get_object_or_404(restrict(Municipality.objects.all(), user), pk=municipality) if municipality else None
    return staff.aggregates(user, year, muni)


@teachers.get(
    "/catalogue",
    response={200: list[OfferOut], **ERRORS},
    operation_id="catalogue_list",
    summary="Каталог программ повышения квалификации и мероприятий",
)
@paginate(Pages)
def catalogue_list(request: AuthedRequest) -> QuerySet[Offer]:
    return staff.catalogue(request.auth).order_by("title", "pk")


@teachers.post(
    "/catalogue",
    response={201: OfferOut, **ERRORS},
    operation_id="catalogue_create",
    summary="Добавить программу или мероприятие в каталог",
)
def catalogue_create(request: AuthedRequest, body: OfferIn) -> Status[Offer]:
    require(request.auth, Perm.MANAGE_CATALOGUE)  # before the form: its areas come from the rules
    form = OfferForm(body.dict())
    cleaned(form)
    return Status(201, staff.save_offer(request.auth, form.save(commit=False)))


@teachers.get(
    "/{teacher_id}",
    response={200: CardOut, **ERRORS},
    operation_id="teachers_get",
    summary="Карта педагога: диагностика по годам, дефициты, динамика, маршруты",
)
def teachers_get(request: AuthedRequest, teacher_id: Id) -> dict[str, Any]:
    user = request.auth
    c = staff.card(user, or_404(staff.get_teacher, user, teacher_id))
    return {
        "teacher_id": c.teacher.pk,
        "staff_key": c.teacher.staff_key,
        "years": c.years,
        "threshold": c.threshold,
        "areas": c.rows(),
        "deficits": c.deficits,
        "change_overall": c.change_overall,
        "routes": c.routes,
    }


@teachers.post(
    "/{teacher_id}/routes",
    response={201: RouteOut, **ERRORS},
    operation_id="routes_create",
    summary="Составить проект маршрута (ИОМ) по дефицитам",
)
def routes_create(request: AuthedRequest, teacher_id: Id, body: RouteIn) -> Status[Route]:
    user = request.auth
    return Status(201, staff.propose_route(user, or_404(staff.get_teacher, user, teacher_id), body.year))


@teachers.post(
    "/{teacher_id}/diagnostics",
    response={200: EnteredOut, **ERRORS},
    operation_id="diagnostics_enter",
    summary="Внести результаты диагностики (руководитель школы или оператор)",
)
def diagnostics_enter(request: AuthedRequest, teacher_id: Id, body: DiagnosticsIn) -> dict[str, int]:
    user = request.auth
    teacher = or_404(staff.get_teacher, user, teacher_id)
    scores = {area: (s.score, s.max_score) for area, s in body.scores.items()}
    return {"entered": staff.record_diagnostics(user, teacher, body.year, scores)}


@teachers.post(
    "/{teacher_id}/courses",
    response={201: CourseOut, **ERRORS},
    operation_id="courses_enter",
    summary="Внести пройденный курс повышения квалификации",
)
def courses_enter(request: AuthedRequest, teacher_id: Id, body: CourseIn) -> Status[Course]:
    user = request.auth
    teacher = or_404(staff.get_teacher, user, teacher_id)
    return Status(201, staff.record_course(user, teacher, **body.dict()))


@teachers.post(
    "/routes/{route_id}/items",
    response={201: ItemOut, **ERRORS},
    operation_id="route_items_create",
    summary="Добавить пункт в проект маршрута",
)
def route_items_create(request: AuthedRequest, route_id: Id, body: ItemNewIn) -> Status[RouteItem]:
    user = request.auth
    route = or_404(staff.get_route, user, route_id)
    offer = get_object_or_404(staff.catalogue(user), pk=body.offer_id) if body.offer_id else None
    return Status(201, staff.add_item(user, route, title=body.title, due=body.due, offer=offer, hours=body.hours))


@teachers.delete(
    "/routes/items/{item_id}",
    response={204: None, **ERRORS},
    operation_id="route_items_delete",
    summary="Исключить пункт из проекта маршрута",
)
def route_items_delete(request: AuthedRequest, item_id: Id) -> Status[None]:
    user = request.auth
    staff.remove_item(user, or_404(staff.get_item, user, item_id))
    return Status(204, None)


@teachers.post(
    "/routes/{route_id}/approve",
    response={200: RouteOut, **ERRORS},
    operation_id="routes_approve",
    summary="Утвердить маршрут (руководитель школы или оператор)",
)
def routes_approve(request: AuthedRequest, route_id: Id) -> Route:
    user = request.auth
    return staff.approve_route(user, or_404(staff.get_route, user, route_id))


@teachers.patch(
    "/routes/items/{item_id}",
    response={200: ItemOut, **ERRORS},
    operation_id="route_items_update",
    summary="Отметить выполнение пункта маршрута",
)
def route_items_update(request: AuthedRequest, item_id: Id, body: ItemIn) -> RouteItem:
    user = request.auth
    return staff.set_item(user, or_404(staff.get_item, user, item_id), body.status, body.on)
