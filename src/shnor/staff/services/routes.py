"""Individual routes (ИОМ): the catalogue of offers, proposing a route from the deficits, its items, approval."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account, notify, require
from shnor.audit.tracking import record
from shnor.core import support as core
from shnor.staff.models import Course, Diagnostic, Offer, Route, RouteItem, Teacher
from shnor.staff.services.common import TeacherError, can_approve, can_draft, rules, scores_of


def catalogue(user: Actor, active: bool = True) -> QuerySet[Offer]:
    qs = restrict(Offer.objects.all(), user)
    return qs.filter(is_active=True) if active else qs


@transaction.atomic
def save_offer(user: Actor, offer: Offer) -> Offer:
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
def propose_route(user: Actor, teacher: Teacher, year: int) -> Route:
    """A draft route from the teacher's latest diagnostics up to `year`: the catalogue's offers
    that cover the deficits (see core.support.propose), due by the end of the year."""
    if not can_draft(user, teacher):
        raise PermissionDenied("Маршрут составляет сам педагог, руководитель его школы или оператор.")
    if not 2000 <= year <= 2100:
        raise TeacherError(f"Год маршрута {year}: допустимы годы с 2000 по 2100.")
    existing = Route.objects.filter(teacher=teacher, year=year).first()
    if existing is not None and existing.status != Route.Status.DRAFT:
        raise TeacherError(f"Маршрут на {year} год уже {existing.get_status_display()}: его нельзя составить заново.")
    scores = scores_of(list(Diagnostic.objects.filter(teacher=teacher, year__lte=year)))
    if not scores:
        raise TeacherError(f"У педагога {teacher} нет результатов диагностики за {year} год и ранее.")
    basis = max(scores)
    found = core.deficits(scores[basis], rules().deficit_threshold)
    if not found:
        raise TeacherError(
            f"По диагностике {basis} года у педагога {teacher} нет профессиональных дефицитов (все области не ниже "
            f"{round(100 * rules().deficit_threshold)} % от максимума): маршрут не нужен."
        )
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
    user: Actor, route: Route, *, title: str, due: dt.date, offer: Offer | None = None, hours: int = 0
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
def remove_item(user: Actor, item: RouteItem) -> None:
    if not can_draft(user, item.route.teacher) or item.route.status != Route.Status.DRAFT:
        raise PermissionDenied("Пункты исключают из проекта маршрута; в утверждённом — отметьте «исключено».")
    item.delete()


@transaction.atomic
def approve_route(user: Actor, route: Route) -> Route:
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
def set_item(user: Actor, item: RouteItem, status: str, on: dt.date | None = None) -> RouteItem:
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
