"""Measures and events of the cycle's plan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account
from shnor.cycle.models import (
    Measure,
)
from shnor.cycle.services.common import CycleError, check_keeper
from shnor.records.models import Level
from shnor.registry.models import School


def measures(user: Actor, year: int | None = None) -> QuerySet[Measure]:
    qs = restrict(Measure.objects.select_related("municipality", "recommendation"), user)
    return qs.filter(year=year) if year else qs


def add_measure(user: Actor, *, schools: Iterable[School] = (), **fields: Any) -> Measure:
    municipality = fields.get("municipality")
    check_keeper(user, municipality)
    if fields.get("direction") not in Measure.Direction.values:
        raise CycleError(f"Неизвестное направление «{fields.get('direction')}».")
    if fields["end"] < fields["start"]:
        raise CycleError("Окончание мероприятия раньше его начала.")
    schools = list(schools)
    allowed = set(restrict(School.objects.filter(pk__in=[s.pk for s in schools]), user).values_list("pk", flat=True))
    if any(s.pk not in allowed for s in schools) or (
        municipality is not None and any(s.municipality_id != municipality.pk for s in schools)
    ):
        raise CycleError("Среди школ есть школы вне уровня мероприятия или вашей зоны ответственности.")
    fields.setdefault("level", Level.MUNICIPALITY if municipality else Level.REGION)
    with transaction.atomic():
        measure = Measure.objects.create(created_by=account(user), **fields)
        measure.schools.set(schools)
    return measure


def update_measure(user: Actor, measure: Measure, status: str, result: str = "") -> Measure:
    check_keeper(user, measure.municipality)
    if status not in Measure.Status.values:
        raise CycleError(f"Неизвестный статус «{status}».")
    if status == Measure.Status.DONE and not result.strip():
        raise CycleError("Для выполненного мероприятия укажите результат.")
    measure.status, measure.result = status, result.strip()
    measure.save()
    return measure
