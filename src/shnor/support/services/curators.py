"""The curator pool: refreshed from the results, edited by the operator; tutors; who acts for a curator, who curates a school."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict
from shnor.accounts.services import require
from shnor.core import support as core
from shnor.identification.models import SchoolResult
from shnor.registry.models import InfrastructureBody, Municipality, Person, School
from shnor.support.models import (
    Curator,
    Pairing,
)
from shnor.support.services.common import SupportError, current_year, official_run, rules, strengths_of


@dataclass
class PoolSummary:
    year: int
    candidates: int
    added: int
    updated: int


@transaction.atomic
def refresh_pool(user: Actor, year: int | None = None) -> PoolSummary:
    """Find the schools meeting the computed criteria in the latest run and add or refresh them
    as candidates. Operator's marks, status, capacity and notes are kept; schools on the
    support list are never candidates."""
    require(user, Perm.MATCH_CURATORS)
    run, listed = official_run(year)
    if run is None:
        raise SupportError("Нет выполненного расчёта идентификации: критерии кураторов считаются по его результатам.")
    r = rules().curators
    results = list(SchoolResult.objects.filter(run=run).select_related("school"))
    bases = set(
        InfrastructureBody.objects.filter(is_active=True, school__isnull=False).values_list("school_id", flat=True)
    )
    records = {
        res.school_id: core.Record(
            {int(y["year"]): float(y["ior"]) for y in res.per_year if y.get("ior") is not None},
            res.cluster,
            res.school.innovation_site,
            res.school_id in bases,
        )
        for res in results
    }
    cuts = core.thresholds(records.values(), r.high_quantile)
    met = {pk: core.criteria(rec, cuts, r) for pk, rec in records.items()}
    chosen = {pk for pk, m in met.items() if core.is_candidate(m, r) and pk not in listed}
    existing = {c.school_id: c for c in Curator.objects.filter(kind=Curator.Kind.SCHOOL) if c.school_id is not None}
    strengths = strengths_of(run, chosen | set(existing), run.year)
    added = updated = 0
    schools = {res.school_id: res.school for res in results}
    for pk in sorted(chosen | (set(existing) & set(met))):
        computed = met[pk]
        curator = existing.get(pk)
        if curator is None:
            curator = Curator(
                kind=Curator.Kind.SCHOOL,
                school_id=pk,
                municipality_id=schools[pk].municipality_id,
                capacity=r.capacity,
            )
            added += 1
        else:
            updated += 1
        curator.met = {**{k: v for k, v in curator.met.items() if k in core.MARKED}, **computed}
        curator.year = run.year
        curator.strengths = strengths.get(pk, [])
        curator.save()
    return PoolSummary(run.year, len(chosen), added, updated)


def pool(user: Actor, status: str | None = None, year: int | None = None, pk: int | None = None) -> list[Curator]:
    """The pool, resilient schools first (act 004's clusters), then stably high, dynamics, innovation, base.
    Each curator's load counts its approved pairs of the year (by default the latest run's year)."""
    qs = restrict(Curator.objects.select_related("school", "municipality", "person"), user)
    if status:
        qs = qs.filter(status=status)
    if pk is not None:
        qs = qs.filter(pk=pk)
    curators = list(qs)
    load = dict(
        Pairing.objects.filter(status=Pairing.Status.APPROVED, year=year or current_year(), curator__in=qs.values("pk"))
        .values("curator")
        .annotate(n=Count("pk"))
        .values_list("curator", "n")
    )
    criteria = rules().curators
    for c in curators:
        c.load = load.get(c.pk, 0)
        c.missing = core.missing(c.met, criteria)
    order: dict[str, int] = {"included": 0, "candidate": 1, "excluded": 2}
    curators.sort(key=lambda c: (order[c.status], core.rank(c.met), str(c)))
    return curators


def get_curator(user: Actor, pk: int) -> Curator:
    return restrict(Curator.objects.select_related("school", "municipality", "person"), user).get(pk=pk)


@transaction.atomic
def update_curator(
    user: Actor,
    curator: Curator,
    *,
    status: str | None = None,
    marks: dict[str, bool] | None = None,
    capacity: int | None = None,
    extra_strengths: list[str] | None = None,
    note: str | None = None,
) -> Curator:
    """The operator's marks (strong and motivated head), capacity, own strengths and the decision
    to include or exclude. Inclusion needs every criterion the preset requires."""
    require(user, Perm.MATCH_CURATORS)
    if marks is not None:
        curator.met = {**curator.met, **{k: bool(v) for k, v in marks.items() if k in core.MARKED}}
    if capacity is not None:
        if not 1 <= capacity <= 20:
            raise SupportError("Вместимость куратора — от 1 до 20 школ.")
        curator.capacity = capacity
    if extra_strengths is not None:
        curator.extra_strengths = sorted({s.strip() for s in extra_strengths if s.strip()})
    if note is not None:
        curator.note = note
    if status is not None:
        if status not in Curator.Status.values:
            raise SupportError(f"Неизвестный статус куратора: «{status}».")
        if status == Curator.Status.INCLUDED and curator.kind == Curator.Kind.SCHOOL:
            lacking = core.missing(curator.met, rules().curators)
            if lacking:
                words = "; ".join(core.CRITERIA[c] for c in lacking)
                raise SupportError(f"{curator}: не выполнены критерии отбора школ-кураторов — {words}.")
        curator.status = status
    curator.save()
    return curator


@transaction.atomic
def add_tutor(
    user: Actor,
    person: Person,
    municipality: Municipality,
    *,
    capacity: int = 3,
    strengths: list[str] | None = None,
    account: User | None = None,
) -> Curator:
    """An individual tutor or consultant (наставник, управленческий ментор) joins the pool."""
    require(user, Perm.MATCH_CURATORS)
    if not 1 <= capacity <= 20:
        raise SupportError("Вместимость куратора — от 1 до 20 школ.")
    if Curator.objects.filter(kind=Curator.Kind.TUTOR, person=person).exists():
        raise SupportError(f"{person.full_name} уже в пуле кураторов.")
    if account is not None and (account.role != Role.CURATOR or account.school_id is not None):
        raise SupportError(
            f"Учётная запись {account.username} не подходит тьютору: нужна роль «Куратор» без привязки к школе."
        )
    return Curator.objects.create(
        kind=Curator.Kind.TUTOR,
        person=person,
        municipality=municipality,
        user=account,
        capacity=capacity,
        extra_strengths=sorted(set(strengths or [])),
        status=Curator.Status.INCLUDED,
        met={"strong_head": True, "motivated_head": True},
    )


def curator_accounts(curator: Curator) -> QuerySet[User]:
    """The accounts that act for a curator (the curator school's, or the tutor's own)."""
    return User.objects.acting_for_curator(curator.school_id, curator.user_id)


def curators_of(school: School | None) -> QuerySet[User]:
    """The curators of a school: those of its approved pair (the curator school's accounts or the
    tutor's) — the same rule as for the pair's consultation journal (`is_curator_of`). Only a school
    with no approved pair is served by a curator the operator assigned by hand (since issue 20: an
    assigned curator had approved the programme of a school whose pair was another's)."""
    if school is None:
        return User.objects.none()
    pairs = Pairing.objects.filter(school=school, status=Pairing.Status.APPROVED)
    if pairs.exists():
        who = Q(school_id__in=pairs.filter(curator__school__isnull=False).values("curator__school_id")) | Q(
            pk__in=pairs.filter(curator__user__isnull=False).values("curator__user_id")
        )
    else:
        who = Q(assigned_schools=school)
    return User.objects.active().filter(who, role=Role.CURATOR).distinct()
