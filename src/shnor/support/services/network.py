"""The network beyond pairs: events, the practices bank, the infrastructure map."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import account, require
from shnor.audit.tracking import record
from shnor.registry.models import InfrastructureBody, Municipality, School
from shnor.support.models import (
    Curator,
    Event,
    Pairing,
    Practice,
)
from shnor.support.services.common import SupportError, role_of
from shnor.support.services.curators import pool
from shnor.support.services.pairs import pairings


def events(user: Actor, year: int | None = None) -> QuerySet[Event]:
    """Regional events are everyone's; a municipal one is seen by the whole municipality, its
    schools included; a school one by whoever may see the organiser or a participant."""
    qs = Event.objects.select_related("municipality", "organiser")
    if year is not None:
        qs = qs.filter(date__year=year)
    scope = scope_of(user)
    if scope.region_wide:
        return qs
    own = School.objects.filter(pk__in=scope.school_ids).values("municipality_id")
    return qs.filter(Q(pk__in=restrict(Event.objects.all(), user).values("pk")) | Q(municipality_id__in=own))


@transaction.atomic
def add_event(user: Actor, *, schools: list[School] | None = None, **fields: Any) -> Event:
    """Record an event. Regional and interregional ones: the operator or the regional coordinator;
    municipal ones: also the municipal coordinator of that municipality; school ones: a school or
    curator for their own school."""
    level = fields.get("level")
    organiser: School | None = fields.get("organiser")
    municipality: Municipality | None = fields.get("municipality")
    if level not in Event.Level.values:
        raise SupportError(f"Неизвестный уровень мероприятия: «{level}».")
    allowed = user.has_shnor_perm(Perm.PUBLISH_PRACTICES)
    if not allowed and level == Event.Level.MUNICIPAL:
        allowed = (
            role_of(user) == Role.MUNICIPAL_COORDINATOR
            and municipality is not None
            and (municipality.pk == user.municipality_id)
        )
    if not allowed and level == Event.Level.SCHOOL:
        allowed = (
            role_of(user) in (Role.SCHOOL, Role.CURATOR) and organiser is not None and organiser.pk == user.school_id
        )
    if not allowed:
        raise PermissionDenied("Недостаточно прав, чтобы внести мероприятие этого уровня.")
    event = Event.objects.create(created_by=account(user), **fields)
    if schools:
        event.schools.set(schools)
    return event


def practices(user: Actor, factor: str | None = None, query: str | None = None) -> QuerySet[Practice]:
    """Published practices are for everyone to browse; drafts only within one's scope."""
    mine = restrict(Practice.objects.all(), user).values("pk")
    qs = Practice.objects.filter(Q(status=Practice.Status.PUBLISHED) | Q(pk__in=mine)).select_related(
        "school", "school__municipality"
    )
    if factor:
        qs = qs.filter(factors__contains=[factor]) if _json_contains() else qs.filter(factors__icontains=factor)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(summary__icontains=query) | Q(school__name__icontains=query))
    return qs


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@transaction.atomic
def add_practice(user: Actor, school: School, **fields: Any) -> Practice:
    """A school (curator or resilient) or the operator describes a practice; it starts as a draft."""
    own = role_of(user) in (Role.SCHOOL, Role.CURATOR) and user.school_id == school.pk
    if not (own or user.has_shnor_perm(Perm.PUBLISH_PRACTICES)):
        raise PermissionDenied("Практику описывает сама школа или региональный оператор.")
    return Practice.objects.create(school=school, created_by=account(user), status=Practice.Status.DRAFT, **fields)


@transaction.atomic
def publish_practice(user: Actor, practice: Practice, publish: bool = True) -> Practice:
    require(user, Perm.PUBLISH_PRACTICES)
    practice.status = Practice.Status.PUBLISHED if publish else Practice.Status.DRAFT
    practice.save(update_fields=["status"])
    if publish:
        record(practice, "approve", {"status": [Practice.Status.DRAFT, Practice.Status.PUBLISHED]})
    return practice


@dataclass
class Level:
    title: str
    bodies: list[InfrastructureBody] = field(default_factory=list)
    curators: list[Curator] = field(default_factory=list)
    pairs: dict[str, list[Pairing]] = field(default_factory=dict)


def infrastructure(user: Actor, year: int | None = None) -> list[Level]:
    """Act 000, table 1: the regional level, then each municipality, with its bodies (and who sits
    in them), its curators and its pairs by form."""
    bodies = list(
        restrict(InfrastructureBody.objects.filter(is_active=True), user)
        .select_related("municipality", "school")
        .prefetch_related("memberships__person")
    )
    pairs = list(pairings(user, year))
    curators = pool(user, Curator.Status.INCLUDED, year)
    region = Level("Региональный уровень", [b for b in bodies if b.municipality_id is None])
    munis: dict[int, Level] = {}
    for m in restrict(Municipality.objects.all(), user).order_by("name"):
        munis[m.pk] = Level(m.name)
    for b in bodies:
        if b.municipality_id in munis:
            munis[b.municipality_id].bodies.append(b)
    for c in curators:
        if c.municipality_id in munis:
            munis[c.municipality_id].curators.append(c)
    for p in pairs:
        level = munis.get(p.school.municipality_id)
        if level is not None:
            level.pairs.setdefault(p.get_form_display(), []).append(p)
    return [region, *(lv for lv in munis.values() if lv.bodies or lv.curators or lv.pairs)]


def map_data(user: Actor, year: int | None = None) -> dict[str, Any]:
    """The offline map of the network (issue 24): the schools of the user's scope with coordinates —
    on the year's list, curators, or others — each municipality's outline (the hull of its schools),
    and a line from each pair's curator to its school. Plain numbers for the page's script."""
    from shnor.core.geo import convex_hull
    from shnor.support.services.common import official_run

    _, listed = official_run(year)
    curator_schools = {c.school_id for c in pool(user, Curator.Status.INCLUDED, year) if c.school_id}
    schools = list(
        restrict(School.objects.filter(is_active=True, lat__isnull=False, lon__isnull=False), user)
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )
    points: dict[str, list[dict[str, Any]]] = {"listed": [], "curator": [], "other": []}
    by_muni: dict[str, list[tuple[float, float]]] = {}
    for s in schools:
        assert s.lon is not None and s.lat is not None  # filtered above
        kind = "listed" if s.pk in listed else "curator" if s.pk in curator_schools else "other"
        points[kind].append({"name": s.name, "municipality": s.municipality.name, "lon": s.lon, "lat": s.lat})
        by_muni.setdefault(s.municipality.name, []).append((s.lon, s.lat))
    lines = []
    for p in pairings(user, year):
        a, b = p.curator.school, p.school
        if a is not None and None not in (a.lon, a.lat, b.lon, b.lat):
            lines.append({"from": [a.lon, a.lat], "to": [b.lon, b.lat], "form": p.get_form_display()})
    outlines = [
        {"name": name, "corners": [list(c) for c in convex_hull(pts)]}
        for name, pts in by_muni.items()
        if len(set(pts)) >= 3
    ]
    return {"points": points, "lines": lines, "outlines": outlines}
