"""What the stages of teachers' growth share: the refusal, the rules, reading, who may do what."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Role
from shnor.accounts.scoping import restrict
from shnor.core import support as core
from shnor.core.errors import DomainRefusal
from shnor.core.support import SupportRules
from shnor.registry import services as registry
from shnor.registry.models import School
from shnor.staff.models import Course, Diagnostic, Route, RouteItem, StaffMember, Teacher


class TeacherError(DomainRefusal):
    """A request the rules refuse; the message (Russian) says why."""


def rules() -> SupportRules:
    return registry.preset().support


def area_title(code: str) -> str:
    return rules().areas.get(code, code)


def role_of(user: Actor) -> str:
    return str(getattr(user, "role", ""))


def teachers(user: Actor, school: School | None = None) -> QuerySet[StaffMember]:
    qs = StaffMember.objects.filter(is_active=True).select_related("teacher", "school", "school__municipality")
    if school is not None:
        qs = qs.filter(school=school)
    return restrict(qs, user).order_by("school__name", "teacher__staff_key")


def get_teacher(user: Actor, pk: int) -> Teacher:
    return restrict(Teacher.objects.all(), user).get(pk=pk)


def get_route(user: Actor, pk: int) -> Route:
    return restrict(Route.objects.select_related("teacher"), user).get(pk=pk)


def get_item(user: Actor, pk: int) -> RouteItem:
    return restrict(RouteItem.objects.select_related("route", "route__teacher", "offer"), user).get(pk=pk)


def scores_of(diagnostics: list[Diagnostic]) -> dict[int, dict[str, tuple[float, float]]]:
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


def card(user: Actor, teacher: Teacher) -> Card:
    diagnostics = list(restrict(Diagnostic.objects.filter(teacher=teacher), user))
    scores = scores_of(diagnostics)
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


def _schools_of(teacher: Teacher) -> set[int]:
    return set(StaffMember.objects.filter(teacher=teacher, is_active=True).values_list("school_id", flat=True))


def is_self(user: Actor, teacher: Teacher) -> bool:
    return role_of(user) == Role.TEACHER and bool(user.staff_key) and user.staff_key == teacher.staff_key


def is_head(user: Actor, teacher: Teacher) -> bool:
    return role_of(user) == Role.SCHOOL and user.school_id in _schools_of(teacher)


def can_draft(user: Actor, teacher: Teacher) -> bool:
    return role_of(user) == Role.OPERATOR or is_head(user, teacher) or is_self(user, teacher)


def can_approve(user: Actor, teacher: Teacher) -> bool:
    return role_of(user) == Role.OPERATOR or is_head(user, teacher)


def require_draft(user: Actor, teacher: Teacher) -> None:
    """Checked before a form is read, so that a refusal is a refusal and not «fill in the form»."""
    if not can_draft(user, teacher):
        raise PermissionDenied("Маршрут составляет сам педагог, руководитель его школы или оператор.")


def require_head(user: Actor, teacher: Teacher) -> None:
    if not can_approve(user, teacher):
        raise PermissionDenied("Сведения о педагоге вносит руководитель его школы или оператор.")
