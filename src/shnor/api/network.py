"""The support network and teachers over the API: the curator pool, matching, pairs with their
activity and journals, teachers' cards, routes (ИОМ) and targets. The same services and scope as
the pages under /support/ and /teachers/.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import require
from shnor.api.schemas import Amount, Count, Id, In, Pages, Problem, Year
from shnor.lib.lookup import or_404
from shnor.registry import services as registry
from shnor.registry.models import Municipality, School
from shnor.staff import services as staff
from shnor.staff.models import Course, Route, RouteItem, StaffMember, Teacher
from shnor.support import services as support
from shnor.support.models import Consultation, Curator, Feedback, Pairing, Proposal, Rule

ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}

curators = Router(tags=["Кураторы"])
matching = Router(tags=["Подбор кураторов"])
pairs = Router(tags=["Пары и журналы"])
teachers = Router(tags=["Педагоги"])


# --- curators -------------------------------------------------------------------------------------


class CuratorOut(Schema):
    id: int
    kind: str
    name: str
    school_id: str | None
    municipality: str
    status: str
    capacity: int
    load: int = Field(description="утверждённых пар года")
    met: dict[str, bool]
    missing: list[str] = Field(description="обязательные критерии, которые не выполнены")
    strengths: list[str]

    @staticmethod
    def resolve_name(c: Curator) -> str:
        return str(c)

    @staticmethod
    def resolve_school_id(c: Curator) -> str | None:
        return c.school.school_id if c.school else None

    @staticmethod
    def resolve_municipality(c: Curator) -> str:
        return c.municipality.name

    @staticmethod
    def resolve_strengths(c: Curator) -> list[str]:
        return c.all_strengths


class CuratorPatch(In):
    db_model = (Curator,)
    status: str | None = None
    marks: dict[str, bool] | None = Field(default=None, description="strong_head, motivated_head")
    capacity: Count | None = None
    extra_strengths: list[str] | None = None
    note: str | None = None


class TutorIn(In):
    db_model = (Curator,)
    person_id: Id = Field(description="участник (раздел «Участники»)")
    municipality_id: Id
    capacity: Count = 3
    strengths: list[str] = Field(default_factory=list, description="коды факторов риска или предметы")
    username: str = Field(default="", description="учётная запись с ролью «Куратор», без школы")


class PoolOut(Schema):
    year: int
    candidates: int
    added: int
    updated: int


@curators.get("", response={200: list[CuratorOut], **ERRORS}, operation_id="curators_list", summary="Пул кураторов")
@paginate(Pages)
def curators_list(request: HttpRequest, status: str = "", year: Year | None = None) -> Any:
    return support.pool(request.auth, status or None, year)  # type: ignore[attr-defined]


@curators.post(
    "/refresh",
    response={200: PoolOut, **ERRORS},
    operation_id="curators_refresh",
    summary="Пересчитать критерии кураторов по расчёту идентификации",
)
def curators_refresh(request: HttpRequest, year: Year | None = None) -> Any:
    return support.refresh_pool(request.auth, year)  # type: ignore[attr-defined]


@curators.post(
    "/tutors",
    response={201: CuratorOut, **ERRORS},
    operation_id="curators_add_tutor",
    summary="Включить в пул тьютора (консультанта)",
)
def curators_add_tutor(request: HttpRequest, body: TutorIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    require(user, Perm.MATCH_CURATORS)
    person = get_object_or_404(registry.people(user), pk=body.person_id)
    municipality = get_object_or_404(registry.municipalities(user), pk=body.municipality_id)
    account = get_object_or_404(User, username=body.username) if body.username else None
    tutor = support.add_tutor(
        user, person, municipality, capacity=body.capacity, strengths=body.strengths, account=account
    )
    return Status(201, support.pool(user, pk=tutor.pk)[0])


@curators.patch(
    "/{curator_id}",
    response={200: CuratorOut, **ERRORS},
    operation_id="curators_update",
    summary="Отметки оператора, вместимость, решение о включении",
)
def curators_update(request: HttpRequest, curator_id: Id, body: CuratorPatch) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    curator = or_404(support.get_curator, user, curator_id)
    support.update_curator(user, curator, **body.dict(exclude_unset=True))
    return support.pool(user, pk=curator.pk)[0]


# --- matching -------------------------------------------------------------------------------------


class PairOut(Schema):
    id: int
    year: int
    school_id: str
    school: str
    municipality: str
    curator_id: int
    curator: str
    form: str
    status: str
    cost: float
    distance: float
    basis: str
    covered: list[str]
    uncovered: list[str]
    pinned: bool
    reason: str

    @staticmethod
    def resolve_school_id(p: Pairing) -> str:
        return p.school.school_id

    @staticmethod
    def resolve_school(p: Pairing) -> str:
        return p.school.name

    @staticmethod
    def resolve_municipality(p: Pairing) -> str:
        return p.school.municipality.name

    @staticmethod
    def resolve_curator(p: Pairing) -> str:
        return str(p.curator)

    @staticmethod
    def resolve_reason(p: Pairing) -> str:
        return support.reason(p)


class ProposalOut(Schema):
    id: int
    year: int
    created_at: dt.datetime
    schools: int
    curators: int
    total: float = Field(description="стоимость точного решения")
    greedy_total: float | None = Field(description="стоимость жадного распределения")
    unassigned: list[str]
    approved_at: dt.datetime | None
    settings: dict[str, Any]


class ProposalDetailOut(ProposalOut):
    pairs: list[PairOut]


class ProposeIn(In):
    year: Year


class ApproveIn(In):
    school_ids: list[str] | None = Field(default=None, description="коды ОО; без списка — все пары предложения")


class ApprovedOut(Schema):
    approved: int


class RuleIn(In):
    db_model = (Rule,)
    school_id: str
    curator_id: Id
    kind: str = Field(description="pin — закрепить, forbid — запретить, пусто — снять правило")
    note: str = ""


class RuleOut(Schema):
    school_id: str
    curator_id: int
    kind: str


def _proposal(request: HttpRequest, proposal_id: Id) -> Proposal:
    proposal = get_object_or_404(support.proposals(request.auth), pk=proposal_id)  # type: ignore[attr-defined]
    proposal.pairs = support.proposal_pairs(request.auth, proposal)  # type: ignore[attr-defined]
    return proposal


@matching.get(
    "/proposals",
    response={200: list[ProposalOut], **ERRORS},
    operation_id="proposals_list",
    summary="Предложения подбора",
)
@paginate(Pages)
def proposals_list(request: HttpRequest, year: Year | None = None) -> Any:
    qs = support.proposals(request.auth)  # type: ignore[attr-defined]
    return (qs.filter(year=year) if year else qs).order_by("-created_at", "-pk")


@matching.post(
    "/proposals",
    response={201: ProposalDetailOut, **ERRORS},
    operation_id="proposals_create",
    summary="Подобрать кураторов точно (поток минимальной стоимости) и сравнить с жадным",
)
def proposals_create(request: HttpRequest, body: ProposeIn) -> Any:
    proposal = support.propose(request.auth, body.year)  # type: ignore[attr-defined]
    return Status(201, _proposal(request, proposal.pk))


@matching.get(
    "/proposals/{proposal_id}",
    response={200: ProposalDetailOut, **ERRORS},
    operation_id="proposals_get",
    summary="Предложение с парами и обоснованием",
)
def proposals_get(request: HttpRequest, proposal_id: Id) -> Any:
    return _proposal(request, proposal_id)


@matching.post(
    "/proposals/{proposal_id}/approve",
    response={200: ApprovedOut, **ERRORS},
    operation_id="proposals_approve",
    summary="Утвердить пары предложения",
)
def proposals_approve(request: HttpRequest, proposal_id: Id, body: ApproveIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    proposal = get_object_or_404(support.proposals(user), pk=proposal_id)
    school_pks = None
    if body.school_ids is not None:
        schools = restrict(School.objects.filter(school_id__in=body.school_ids), user)
        school_pks = set(schools.values_list("pk", flat=True))
    return {"approved": support.approve(user, proposal, school_pks)}


@matching.put(
    "/rules",
    response={200: RuleOut, **ERRORS},
    operation_id="matching_rule_set",
    summary="Закрепить или запретить пару для следующего подбора",
)
def matching_rule_set(request: HttpRequest, body: RuleIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    require(user, Perm.MATCH_CURATORS)  # a refusal before the lookups: 403, not 404 for another's curator
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=body.school_id)
    curator = or_404(support.get_curator, user, body.curator_id)
    support.set_rule(user, school, curator, body.kind, body.note)
    return {"school_id": school.school_id, "curator_id": curator.pk, "kind": body.kind}


# --- pairs, activity and journals -----------------------------------------------------------------


class FeedbackOut(Schema):
    rating: int
    useful: bool
    comment: str
    given_at: dt.datetime


class ConsultationOut(Schema):
    id: int
    date: dt.date
    form: str
    topic: str
    participants: int
    hours: float
    materials: str
    feedback: FeedbackOut | None

    @staticmethod
    def resolve_feedback(c: Consultation) -> Feedback | None:
        return getattr(c, "feedback", None)


class PairActivityOut(Schema):
    pair: PairOut
    consultations: int
    hours: float
    participants: int
    last: dt.date | None
    rated: int
    rating: float | None
    agreements: int
    inactive: bool = Field(description="нет консультаций дольше порога пресета")
    weeks_idle: int


class PairDetailOut(PairActivityOut):
    journal: list[ConsultationOut]


class ConsultationIn(In):
    db_model = (Consultation,)
    date: dt.date
    form: str = Field(description="seminar, master_class, open_lesson, consultation, visit")
    topic: str
    participants: Count
    hours: Amount
    materials: str = ""


class FeedbackIn(In):
    db_model = (Feedback,)
    rating: int = Field(ge=1, le=5, description="1–5")
    comment: str = ""
    useful: bool = True


def _activity(a: support.Activity) -> dict[str, Any]:
    return {**a.__dict__, "pair": a.pairing}


@pairs.get(
    "/pairs",
    response={200: list[PairActivityOut], **ERRORS},
    operation_id="pairs_list",
    summary="Утверждённые пары и их активность",
)
@paginate(Pages)
def pairs_list(request: HttpRequest, year: Year | None = None, inactive: bool | None = None) -> Any:
    rows = support.activity(request.auth, year)  # type: ignore[attr-defined]
    if inactive is not None:
        rows = [r for r in rows if r.inactive == inactive]
    return [_activity(r) for r in rows]


@pairs.get(
    "/pairs/{pair_id}", response={200: PairDetailOut, **ERRORS}, operation_id="pairs_get", summary="Пара и журнал"
)
def pairs_get(request: HttpRequest, pair_id: Id) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    pairing = or_404(support.get_pair, user, pair_id)
    (row,) = support.activity(user, pairing=pairing)
    return {**_activity(row), "journal": support.journal(user, pairing)}


@pairs.post(
    "/pairs/{pair_id}/consultations",
    response={201: ConsultationOut, **ERRORS},
    operation_id="consultations_create",
    summary="Запись в журнал консультаций (куратор пары)",
)
def consultations_create(request: HttpRequest, pair_id: Id, body: ConsultationIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    pairing = or_404(support.get_pair, user, pair_id)
    return Status(201, support.record_consultation(user, pairing, **body.dict()))


@pairs.post(
    "/consultations/{consultation_id}/feedback",
    response={201: FeedbackOut, **ERRORS},
    operation_id="feedback_create",
    summary="Оценка консультации сопровождаемой школой",
)
def feedback_create(request: HttpRequest, consultation_id: Id, body: FeedbackIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    consultation = or_404(support.get_consultation, user, consultation_id)
    return Status(201, support.give_feedback(user, consultation, body.rating, body.comment, body.useful))


# --- teachers -------------------------------------------------------------------------------------


class EmploymentOut(Schema):
    teacher_id: int
    staff_key: str
    school_id: str
    school: str
    position: str
    subjects: str
    category: str

    @staticmethod
    def resolve_staff_key(s: StaffMember) -> str:
        return s.teacher.staff_key

    @staticmethod
    def resolve_school_id(s: StaffMember) -> str:
        return s.school.school_id

    @staticmethod
    def resolve_school(s: StaffMember) -> str:
        return s.school.name


class StaffIn(In):
    db_model = (StaffMember, Teacher)
    school_id: str
    staff_key: str = Field(description="псевдоним педагога; не ФИО и не СНИЛС")
    position: str
    subjects: str = ""
    experience_years: Annotated[int, Field(ge=0, le=80)] | None = None
    category: str = Field(default="", description="highest, first, conformity, none")
    age: Annotated[int, Field(ge=14, le=100)] | None = None


class ItemOut(Schema):
    id: int
    title: str
    areas: list[str]
    hours: int
    due: dt.date
    status: str
    done_at: dt.date | None


class RouteOut(Schema):
    id: int
    year: int
    basis_year: int
    status: str
    deficits: dict[str, float]
    uncovered: list[str]
    items: list[ItemOut]

    @staticmethod
    def resolve_items(r: Route) -> list[RouteItem]:
        return list(r.items.all())


class AreaOut(Schema):
    area: str
    title: str
    values: list[float | None] = Field(description="доля от максимума по годам `years`")
    deficit: bool
    change: float | None


class CardOut(Schema):
    teacher_id: int
    staff_key: str
    years: list[int]
    threshold: float
    areas: list[AreaOut]
    deficits: dict[str, float]
    change_overall: float | None
    routes: list[RouteOut]


class RouteIn(In):
    year: Year


class ItemIn(In):
    status: str = Field(description="planned, in_progress, done, dropped")
    on: dt.date | None = None


class ScoreIn(In):
    score: Amount
    max_score: Amount


class DiagnosticsIn(In):
    year: Year
    scores: dict[str, ScoreIn] = Field(description="область → балл и максимальный балл")


class EnteredOut(Schema):
    entered: int


class CourseIn(In):
    db_model = (Course,)
    title: str
    provider: str = ""
    hours: Count
    start: dt.date
    end: dt.date
    topic: str = ""


class CourseOut(CourseIn):
    id: int


class ItemNewIn(In):
    db_model = (RouteItem,)
    offer_id: Id | None = None
    title: str = ""
    hours: Count = 0
    due: dt.date


class TargetOut(Schema):
    title: str
    value: float
    target: float
    unit: str
    met: bool
    detail: list[tuple[str, float]]


class AggregateOut(Schema):
    name: str
    key: int | None
    teachers: int
    diagnosed: int
    with_deficits: int
    routes: int
    approved: int
    completed: int
    repeated: int
    improved: int


class OfferOut(Schema):
    id: int
    kind: str
    title: str
    provider: str
    hours: int
    topic: str
    areas: list[str]
    url: str


@teachers.get(
    "",
    response={200: list[EmploymentOut], **ERRORS},
    operation_id="teachers_list",
    summary="Педагоги в области доступа",
)
@paginate(Pages)
def teachers_list(request: HttpRequest, school_id: str = "") -> Any:
    user = request.auth  # type: ignore[attr-defined]
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=school_id) if school_id else None
    return staff.teachers(user, school)


@teachers.post(
    "",
    response={201: EmploymentOut, **ERRORS},
    operation_id="teachers_create",
    summary="Внести педагога школы (руководитель школы или оператор)",
)
def teachers_create(request: HttpRequest, body: StaffIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=body.school_id)
    fields = body.dict(exclude={"school_id", "staff_key"})
    return Status(201, staff.add_staff(user, school, body.staff_key, **fields))


@teachers.get(
    "/targets",
    response={200: list[TargetOut], **ERRORS},
    operation_id="teachers_targets",
    summary="Целевые показатели пресета по педагогам с ходом выполнения",
)
def teachers_targets(request: HttpRequest, year: Year) -> Any:
    return staff.targets(request.auth, year)  # type: ignore[attr-defined]


@teachers.get(
    "/aggregates",
    response={200: list[AggregateOut], **ERRORS},
    operation_id="teachers_aggregates",
    summary="Сводка по муниципалитетам или, внутри муниципалитета, по школам",
)
def teachers_aggregates(request: HttpRequest, year: Year, municipality: Id | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    muni = get_object_or_404(restrict(Municipality.objects.all(), user), pk=municipality) if municipality else None
    return staff.aggregates(user, year, muni)


@teachers.get(
    "/catalogue",
    response={200: list[OfferOut], **ERRORS},
    operation_id="catalogue_list",
    summary="Каталог программ повышения квалификации и мероприятий",
)
@paginate(Pages)
def catalogue_list(request: HttpRequest) -> Any:
    return staff.catalogue(request.auth).order_by("title", "pk")  # type: ignore[attr-defined]


@teachers.get(
    "/{teacher_id}",
    response={200: CardOut, **ERRORS},
    operation_id="teachers_get",
    summary="Карта педагога: диагностика по годам, дефициты, динамика, маршруты",
)
def teachers_get(request: HttpRequest, teacher_id: Id) -> Any:
    user = request.auth  # type: ignore[attr-defined]
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
def routes_create(request: HttpRequest, teacher_id: Id, body: RouteIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return Status(201, staff.propose_route(user, or_404(staff.get_teacher, user, teacher_id), body.year))


@teachers.post(
    "/{teacher_id}/diagnostics",
    response={200: EnteredOut, **ERRORS},
    operation_id="diagnostics_enter",
    summary="Внести результаты диагностики (руководитель школы или оператор)",
)
def diagnostics_enter(request: HttpRequest, teacher_id: Id, body: DiagnosticsIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    teacher = or_404(staff.get_teacher, user, teacher_id)
    scores = {area: (s.score, s.max_score) for area, s in body.scores.items()}
    return {"entered": staff.record_diagnostics(user, teacher, body.year, scores)}


@teachers.post(
    "/{teacher_id}/courses",
    response={201: CourseOut, **ERRORS},
    operation_id="courses_enter",
    summary="Внести пройденный курс повышения квалификации",
)
def courses_enter(request: HttpRequest, teacher_id: Id, body: CourseIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    teacher = or_404(staff.get_teacher, user, teacher_id)
    return Status(201, staff.record_course(user, teacher, **body.dict()))


@teachers.post(
    "/routes/{route_id}/items",
    response={201: ItemOut, **ERRORS},
    operation_id="route_items_create",
    summary="Добавить пункт в проект маршрута",
)
def route_items_create(request: HttpRequest, route_id: Id, body: ItemNewIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    route = or_404(staff.get_route, user, route_id)
    offer = get_object_or_404(staff.catalogue(user), pk=body.offer_id) if body.offer_id else None
    return Status(201, staff.add_item(user, route, title=body.title, due=body.due, offer=offer, hours=body.hours))


@teachers.delete(
    "/routes/items/{item_id}",
    response={204: None, **ERRORS},
    operation_id="route_items_delete",
    summary="Исключить пункт из проекта маршрута",
)
def route_items_delete(request: HttpRequest, item_id: Id) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    staff.remove_item(user, or_404(staff.get_item, user, item_id))
    return Status(204, None)


@teachers.post(
    "/routes/{route_id}/approve",
    response={200: RouteOut, **ERRORS},
    operation_id="routes_approve",
    summary="Утвердить маршрут (руководитель школы или оператор)",
)
def routes_approve(request: HttpRequest, route_id: Id) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return staff.approve_route(user, or_404(staff.get_route, user, route_id))


@teachers.patch(
    "/routes/items/{item_id}",
    response={200: ItemOut, **ERRORS},
    operation_id="route_items_update",
    summary="Отметить выполнение пункта маршрута",
)
def route_items_update(request: HttpRequest, item_id: Id, body: ItemIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return staff.set_item(user, or_404(staff.get_item, user, item_id), body.status, body.on)
