"""Teachers' growth (DOMAIN §7): diagnostics → deficits → individual route (ИОМ) from the
catalogue → completion → repeated diagnostics → dynamics; the presets' targets with progress.

A teacher sees only their own record (the scope rules narrow every staff query to their
pseudonym); a school head sees the school's teachers; the region sees aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.models import User
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account, notify, require
from shnor.audit.tracking import record
from shnor.core import support as core
from shnor.core.contract import FULL_NAME_VALUE, SNILS_VALUE
from shnor.core.errors import DomainRefusal
from shnor.core.support import SupportRules
from shnor.registry import services as registry
from shnor.registry.models import Municipality, School
from shnor.staff.models import Course, Diagnostic, Offer, Route, RouteItem, StaffMember, Teacher


class TeacherError(DomainRefusal):
    """A request the rules refuse; the message (Russian) says why."""


def rules() -> SupportRules:
    return registry.preset().support


def area_title(code: str) -> str:
    return rules().areas.get(code, code)


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


# --- reading --------------------------------------------------------------------------------------


def teachers(user: Any, school: School | None = None) -> QuerySet[StaffMember]:
    qs = StaffMember.objects.filter(is_active=True).select_related("teacher", "school", "school__municipality")
    if school is not None:
        qs = qs.filter(school=school)
    return restrict(qs, user).order_by("school__name", "teacher__staff_key")


def get_teacher(user: Any, pk: int) -> Teacher:
    return restrict(Teacher.objects.all(), user).get(pk=pk)


def get_route(user: Any, pk: int) -> Route:
    return restrict(Route.objects.select_related("teacher"), user).get(pk=pk)


def get_item(user: Any, pk: int) -> RouteItem:
    return restrict(RouteItem.objects.select_related("route", "route__teacher", "offer"), user).get(pk=pk)


def _scores(diagnostics: list[Diagnostic]) -> dict[int, dict[str, tuple[float, float]]]:
    by_year: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
    for d in diagnostics:
        by_year[d.year][d.area] = (d.score, d.max_score)
    return dict(by_year)


@dataclass
class Card:
    """A teacher's record: employments, diagnostics by year, deficits, dynamics, routes, courses."""

    teacher: Teacher
    employments: list[StaffMember]
    years: list[int]
    areas: list[str]
    shares: dict[int, dict[str, float]]
    deficits: dict[str, float]
    latest: int | None
    change: dict[str, float]
    change_overall: float | None
    routes: list[Route]
    courses: list[Course]
    threshold: float

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "area": a,
                "title": area_title(a),
                "values": [self.shares.get(y, {}).get(a) for y in self.years],
                "deficit": a in self.deficits,
                "change": self.change.get(a),
            }
            for a in self.areas
        ]


def card(user: Any, teacher: Teacher) -> Card:
    diagnostics = list(restrict(Diagnostic.objects.filter(teacher=teacher), user))
    scores = _scores(diagnostics)
    years = sorted(scores)
    threshold = rules().deficit_threshold
    latest = years[-1] if years else None
    found = core.deficits(scores[latest], threshold) if latest else {}
    change = core.dynamics(scores[years[-2]], scores[years[-1]]) if len(years) >= 2 else {}
    order = {a: i for i, a in enumerate(rules().areas)}
    areas = sorted({a for s in scores.values() for a in s}, key=lambda a: (order.get(a, len(order)), a))
    return Card(
        teacher=teacher,
        employments=list(restrict(StaffMember.objects.filter(teacher=teacher).select_related("school"), user)),
        years=years,
        areas=areas,
        shares={y: core.shares(s) for y, s in scores.items()},
        deficits=found,
        latest=latest,
        change=change,
        change_overall=core.overall(change),
        routes=list(restrict(Route.objects.filter(teacher=teacher), user).prefetch_related("items", "items__offer")),
        courses=list(restrict(Course.objects.filter(teacher=teacher), user)),
        threshold=threshold,
    )


# --- who may do what ------------------------------------------------------------------------------


def _schools_of(teacher: Teacher) -> set[int]:
    return set(StaffMember.objects.filter(teacher=teacher, is_active=True).values_list("school_id", flat=True))


def is_self(user: Any, teacher: Teacher) -> bool:
    return _role(user) == Role.TEACHER and bool(user.staff_key) and user.staff_key == teacher.staff_key


def is_head(user: Any, teacher: Teacher) -> bool:
    return _role(user) == Role.SCHOOL and user.school_id in _schools_of(teacher)


def can_draft(user: Any, teacher: Teacher) -> bool:
    return _role(user) == Role.OPERATOR or is_head(user, teacher) or is_self(user, teacher)


def can_approve(user: Any, teacher: Teacher) -> bool:
    return _role(user) == Role.OPERATOR or is_head(user, teacher)


def require_draft(user: Any, teacher: Teacher) -> None:
    """Checked before a form is read, so that a refusal is a refusal and not «fill in the form»."""
    if not can_draft(user, teacher):
        raise PermissionDenied("Маршрут составляет сам педагог, руководитель его школы или оператор.")


def require_head(user: Any, teacher: Teacher) -> None:
    if not can_approve(user, teacher):
        raise PermissionDenied("Сведения о педагоге вносит руководитель его школы или оператор.")


# --- routes ---------------------------------------------------------------------------------------


def catalogue(user: Any, active: bool = True) -> QuerySet[Offer]:
    qs = restrict(Offer.objects.all(), user)
    return qs.filter(is_active=True) if active else qs


@transaction.atomic
def save_offer(user: Any, offer: Offer) -> Offer:
    require(user, Perm.MANAGE_CATALOGUE)
    unknown = [a for a in offer.areas if a not in rules().areas]
    if unknown:
        raise TeacherError(
            f"Программа «{offer.title}»: неизвестные области дефицитов {', '.join(unknown)}; "
            f"допустимы: {', '.join(rules().areas)}."
        )
    if not offer.areas:
        raise TeacherError(f"Программа «{offer.title}»: укажите хотя бы одну область дефицитов.")
    offer.save()
    return offer


@transaction.atomic
def propose_route(user: Any, teacher: Teacher, year: int) -> Route:
    """A draft route from the teacher's latest diagnostics up to `year`: the catalogue's offers
    that cover the deficits (see core.support.propose), due by the end of the year."""
    if not can_draft(user, teacher):
        raise PermissionDenied("Маршрут составляет сам педагог, руководитель его школы или оператор.")
    if not 2000 <= year <= 2100:
        raise TeacherError(f"Год маршрута {year}: допустимы годы с 2000 по 2100.")
    existing = Route.objects.filter(teacher=teacher, year=year).first()
    if existing is not None and existing.status != Route.Status.DRAFT:
        raise TeacherError(f"Маршрут на {year} год уже {existing.get_status_display()}: его нельзя составить заново.")
    scores = _scores(list(Diagnostic.objects.filter(teacher=teacher, year__lte=year)))
    if not scores:
        raise TeacherError(f"У педагога {teacher} нет результатов диагностики за {year} год и ранее.")
    basis = max(scores)
    found = core.deficits(scores[basis], rules().deficit_threshold)
    offers = {o.pk: o for o in Offer.objects.filter(is_active=True)}
    plan = core.propose(found, [core.Offer(o.pk, o.title, o.hours, frozenset(o.areas)) for o in offers.values()])
    if existing is not None:
        existing.delete()
    route = Route.objects.create(
        teacher=teacher,
        year=year,
        basis_year=basis,
        deficits=found,
        uncovered=core.uncovered(found, plan),
        created_by=account(user),
    )
    due = dt.date(year, 12, 31)
    RouteItem.objects.bulk_create(
        RouteItem(
            route=route,
            offer=offers[o.id],
            title=o.title,
            areas=sorted(areas),
            hours=o.hours,
            due=due,
        )
        for o, areas in plan
    )
    return route


@transaction.atomic
def add_item(
    user: Any, route: Route, *, title: str, due: dt.date, offer: Offer | None = None, hours: int = 0
) -> RouteItem:
    if not can_draft(user, route.teacher) or route.status != Route.Status.DRAFT:
        raise PermissionDenied("Пункты добавляют в проект маршрута.")
    if offer is None and not title.strip():
        raise TeacherError("Выберите программу из каталога или опишите мероприятие.")
    if due.year != route.year:
        raise TeacherError(f"Срок {due:%d.%m.%Y} вне года маршрута ({route.year}).")
    return RouteItem.objects.create(
        route=route,
        offer=offer,
        title=title.strip() or (offer.title if offer else ""),
        areas=list(offer.areas) if offer else [],
        hours=hours or (offer.hours if offer else 0),
        due=due,
    )


@transaction.atomic
def remove_item(user: Any, item: RouteItem) -> None:
    if not can_draft(user, item.route.teacher) or item.route.status != Route.Status.DRAFT:
        raise PermissionDenied("Пункты исключают из проекта маршрута; в утверждённом — отметьте «исключено».")
    item.delete()


# --- entered by hand (the contract's `staff`, `diagnostics` and `courses` rows) --------------------


@transaction.atomic
def add_staff(
    user: Any,
    school: School,
    staff_key: str,
    *,
    position: str,
    subjects: str = "",
    experience_years: int | None = None,
    category: str = "",
    age: int | None = None,
) -> StaffMember:
    """A teacher joins a school, as a `staff` row would bring them: the school's head or the
    operator; the teacher is known by a pseudonymous code only, never a name or a SNILS."""
    head = _role(user) == Role.SCHOOL and user.school_id == school.pk
    if not (head or _role(user) == Role.OPERATOR):
        raise PermissionDenied("Педагога вносит руководитель его школы или оператор.")
    key = staff_key.strip()
    if not key or len(key) > 64 or SNILS_VALUE.match(key) or FULL_NAME_VALUE.match(key):
        raise TeacherError(f"Код педагога «{key}»: нужен псевдоним до 64 символов, не ФИО и не СНИЛС.")
    if not position.strip():
        raise TeacherError("Укажите должность.")
    if category and category not in StaffMember.Category.values:
        raise TeacherError(f"Неизвестная квалификационная категория «{category}».")
    teacher, _ = Teacher.objects.get_or_create(staff_key=key)
    member = StaffMember.objects.filter(teacher=teacher, school=school).first()
    if member is not None and member.is_active:
        raise TeacherError(f"Педагог {key} уже работает в школе «{school}».")
    elsewhere = StaffMember.objects.filter(teacher=teacher).exclude(school=school)
    if elsewhere.exists():
        # A code is one person: a school that names another school's teacher would take over that
        # teacher's diagnostics, courses and route. Moving a teacher is the region's act.
        if _role(user) != Role.OPERATOR:
            raise TeacherError(
                f"Код педагога «{key}» принадлежит педагогу другой школы. Перевод педагога между школами "
                "оформляет региональный оператор; для нового педагога выберите другой код."
            )
        for other in elsewhere.filter(is_active=True):
            other.is_active = False
            other.save()  # journalled: the teacher leaves the other school
        from shnor.audit.tracking import record

        record(teacher, "update", {"перевод педагога": [None, str(school)]})
    member = member or StaffMember(teacher=teacher, school=school)
    member.position, member.subjects, member.category = position.strip(), subjects.strip(), category
    member.experience_years, member.age, member.is_active = experience_years, age, True
    member.save()
    return member


@transaction.atomic
def record_diagnostics(user: Any, teacher: Teacher, year: int, scores: dict[str, tuple[float, float]]) -> int:
    """One diagnostic's results entered by hand, as the import would write them: the head of the
    teacher's school or the operator; an area entered again for the year is replaced."""
    if not can_approve(user, teacher):
        raise PermissionDenied("Результаты диагностики вносит руководитель школы педагога или оператор.")
    if not 2000 <= year <= timezone.localdate().year:
        raise TeacherError(f"Год диагностики {year}: допустимы годы с 2000 по текущий.")
    if not scores:
        raise TeacherError("Укажите балл хотя бы по одной области.")
    areas = rules().areas
    for area, (score, top) in scores.items():
        if area not in areas:
            raise TeacherError(f"Неизвестная область диагностики «{area}»; допустимы: {', '.join(areas)}.")
        if not (top > 0 and 0 <= score <= top):
            raise TeacherError(
                f"{areas[area]}: балл {score:g} должен быть от 0 до максимального, максимальный {top:g} — больше 0."
            )
    for area, (score, top) in scores.items():
        Diagnostic.objects.update_or_create(
            teacher=teacher, year=year, area=area, defaults={"score": score, "max_score": top}
        )
    return len(scores)


@transaction.atomic
def record_course(
    user: Any,
    teacher: Teacher,
    *,
    title: str,
    hours: int,
    start: dt.date,
    end: dt.date,
    provider: str = "",
    topic: str = "",
) -> Course:
    """Completed training entered by hand (the head of the teacher's school or the operator)."""
    if not can_approve(user, teacher):
        raise PermissionDenied("Пройденное повышение квалификации вносит руководитель школы педагога или оператор.")
    title = title.strip()
    if not title or hours < 1:
        raise TeacherError("Укажите программу и число часов (не меньше 1).")
    if end < start:
        raise TeacherError(f"Окончание {end:%d.%m.%Y} раньше начала {start:%d.%m.%Y}.")
    if end > timezone.localdate():
        raise TeacherError(f"Окончание {end:%d.%m.%Y} ещё не наступило: вносят пройденное обучение.")
    if Course.objects.filter(teacher=teacher, title=title, start=start).exists():
        raise TeacherError(f"Курс «{title}» с началом {start:%d.%m.%Y} уже внесён.")
    return Course.objects.create(
        teacher=teacher, title=title, provider=provider.strip(), hours=hours, start=start, end=end, topic=topic.strip()
    )


@transaction.atomic
def approve_route(user: Any, route: Route) -> Route:
    if not can_approve(user, route.teacher):
        raise PermissionDenied("Маршрут утверждает руководитель школы педагога.")
    if route.status != Route.Status.DRAFT:
        raise TeacherError("Утвердить можно только проект маршрута.")
    if not route.items.exists():
        raise TeacherError("В маршруте нет ни одного пункта.")
    route.status, route.approved_by, route.approved_at = Route.Status.APPROVED, account(user), timezone.now()
    route.save(update_fields=["status", "approved_by", "approved_at"])
    record(route, "approve", {"status": [Route.Status.DRAFT, Route.Status.APPROVED]})
    notify(
        User.objects.teacher(route.teacher.staff_key),
        f"Утверждён ваш индивидуальный образовательный маршрут на {route.year} год.",
        reverse("staff:teacher", args=[route.teacher_id]),
    )
    return route


@transaction.atomic
def set_item(user: Any, item: RouteItem, status: str, on: dt.date | None = None) -> RouteItem:
    """Progress of a route item. A course done becomes a record of completed training (the
    contract's `courses` row), which the targets count. The route completes with its last item."""
    route = item.route
    teacher = route.teacher
    if not can_draft(user, teacher):
        raise PermissionDenied("Отмечать выполнение может педагог, руководитель его школы или оператор.")
    if route.status == Route.Status.DRAFT:
        raise TeacherError("Маршрут ещё не утверждён.")
    if status not in RouteItem.Status.values:
        raise TeacherError(f"Неизвестный статус пункта маршрута: «{status}».")
    on = on or timezone.localdate()
    item.status = status
    item.done_at = on if status == RouteItem.Status.DONE else None
    if status == RouteItem.Status.DONE and item.offer and item.offer.kind == Offer.Kind.COURSE and not item.course_id:
        course, _ = Course.objects.get_or_create(
            teacher=teacher,
            title=item.title,
            start=on,
            defaults={"provider": item.offer.provider, "hours": item.hours, "end": on, "topic": item.offer.topic},
        )
        item.course = course
    item.save()
    open_items = route.items.exclude(status__in=[RouteItem.Status.DONE, RouteItem.Status.DROPPED])
    new_status = Route.Status.APPROVED if open_items.exists() else Route.Status.COMPLETED
    if new_status != route.status:
        route.status = new_status
        route.save(update_fields=["status"])
    return item


# --- targets and aggregates -----------------------------------------------------------------------


@dataclass
class Target:
    title: str
    value: float
    target: float
    unit: str
    met: bool
    detail: list[tuple[str, float]] = field(default_factory=list)  # per school where it is per school


def _listed(year: int) -> set[int]:
    from shnor.support.services import official_run

    return set(official_run(year)[1]) or set(official_run()[1])


def trained(year: int, school_pks: set[int]) -> dict[int, int]:
    """Teachers of each school with a course ending in the year."""
    counted: dict[int, set[int]] = defaultdict(set)
    rows = StaffMember.objects.filter(school_id__in=school_pks, is_active=True, teacher__courses__end__year=year)
    for school_id, teacher_id in rows.values_list("school_id", "teacher_id").distinct():
        counted[school_id].add(teacher_id)
    return {pk: len(counted.get(pk, set())) for pk in school_pks}


def targets(user: Any, year: int) -> list[Target]:
    """The preset's teacher targets for the schools on the list, with progress."""
    t = rules().targets
    schools = {s.pk: s for s in restrict(School.objects.filter(pk__in=_listed(year)), user)}
    pks = set(schools)
    result: list[Target] = []
    per_school = trained(year, pks)
    if t.trained_per_school:
        met = sum(1 for v in per_school.values() if v >= t.trained_per_school)
        share = met / len(pks) if pks else 0.0
        result.append(
            Target(
                f"Школы, где прошли повышение квалификации не менее {t.trained_per_school} педагогов",
                round(100 * share, 1),
                100.0,
                "%",
                bool(pks) and met == len(pks),
                sorted(((str(schools[pk]), float(v)) for pk, v in per_school.items()), key=lambda x: x[1]),
            )
        )
    if t.trained_total:
        total = sum(per_school.values())
        result.append(
            Target(
                "Педагоги школ программы, прошедшие повышение квалификации",
                total,
                t.trained_total,
                "чел.",
                total >= t.trained_total,
            )
        )
    if t.coverage:
        staff = StaffMember.objects.filter(school_id__in=pks, is_active=True)
        all_teachers = set(staff.values_list("teacher_id", flat=True))
        diagnosed = set(
            Diagnostic.objects.filter(teacher_id__in=all_teachers, year=year).values_list("teacher_id", flat=True)
        )
        share = len(diagnosed) / len(all_teachers) if all_teachers else 0.0
        result.append(
            Target(
                "Охват педагогов школ программы диагностикой",
                round(100 * share, 1),
                100 * t.coverage,
                "%",
                share >= t.coverage,
            )
        )
    return result


@dataclass
class Aggregate:
    name: str
    key: int | None
    teachers: int = 0
    diagnosed: int = 0
    with_deficits: int = 0
    routes: int = 0
    approved: int = 0
    completed: int = 0
    repeated: int = 0
    improved: int = 0


def aggregates(user: Any, year: int, municipality: Municipality | None = None) -> list[Aggregate]:
    """Per municipality (or, inside one, per school): teachers, diagnosed in the year, with deficits,
    with a route (approved, completed), diagnosed twice and improved on average."""
    threshold = rules().deficit_threshold
    staff = teachers(user)
    if municipality is not None:
        staff = staff.filter(school__municipality=municipality)
    rows = list(
        staff.values_list(
            "teacher_id", "school_id", "school__name", "school__municipality_id", "school__municipality__name"
        )
    )
    by_teacher: dict[int, tuple[int, str]] = {}
    for teacher_id, school_id, school_name, muni_id, muni_name in rows:
        key = (school_id, school_name) if municipality is not None else (muni_id, muni_name)
        by_teacher.setdefault(teacher_id, key)
    diag = Diagnostic.objects.filter(teacher_id__in=by_teacher, year__in=[year - 1, year])
    scores: dict[int, dict[int, dict[str, tuple[float, float]]]] = defaultdict(lambda: defaultdict(dict))
    for t_id, y, area, score, top in diag.values_list("teacher_id", "year", "area", "score", "max_score"):
        scores[t_id][y][area] = (score, top)
    route_status = dict(Route.objects.filter(teacher_id__in=by_teacher, year=year).values_list("teacher_id", "status"))
    groups: dict[tuple[int, str], Aggregate] = {}
    for t_id, key in by_teacher.items():
        g = groups.setdefault(key, Aggregate(key[1], key[0]))
        g.teachers += 1
        s = scores.get(t_id, {})
        if year in s:
            g.diagnosed += 1
            if core.deficits(s[year], threshold):
                g.with_deficits += 1
            if year - 1 in s:
                g.repeated += 1
                o = core.overall(core.dynamics(s[year - 1], s[year]))
                if o is not None and o > 0:
                    g.improved += 1
        status = route_status.get(t_id)
        if status:
            g.routes += 1
            g.approved += status in (Route.Status.APPROVED, Route.Status.COMPLETED)
            g.completed += status == Route.Status.COMPLETED
    return sorted(groups.values(), key=lambda g: g.name)


def diagnostic_years() -> list[int]:
    return sorted(set(Diagnostic.objects.values_list("year", flat=True).distinct()), reverse=True)
