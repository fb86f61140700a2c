"""The presets' targets for teachers with their progress, and the aggregates the region sees."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import restrict, scope_of
from shnor.core import support as core
from shnor.lib.memo import Memo
from shnor.registry.models import Municipality, School
from shnor.staff.models import Diagnostic, Route, StaffMember
from shnor.staff.services.common import rules, teachers


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
    for school_id, teacher_id in rows.order_by().values_list("school_id", "teacher_id").distinct():
        counted[school_id].add(teacher_id)
    return {pk: len(counted.get(pk, set())) for pk in school_pks}


# The region's teachers' aggregates and targets read every teacher's diagnostics: a few seconds for
# a country's region, the same until the data change. Kept per data version, scope and preset rule.
_MEMO = Memo(size=64)


def targets(user: Actor, year: int) -> list[Target]:
    """The preset's teacher targets for the schools on the list, with progress (shared between
    requests until the data change: callers must not modify them)."""
    key = ("staff-targets", scope_of(user), year, rules().targets.model_dump_json())
    return _MEMO.get(key, lambda: _targets(user, year))


def _targets(user: Actor, year: int) -> list[Target]:
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


def aggregates(user: Actor, year: int, municipality: Municipality | None = None) -> list[Aggregate]:
    """Per municipality (or, inside one, per school): teachers, diagnosed in the year, with deficits,
    with a route (approved, completed), diagnosed twice and improved on average. Shared between
    requests until the data change: callers must not modify them."""
    threshold = rules().deficit_threshold
    key = ("staff-aggregates", scope_of(user), year, municipality.pk if municipality else None, threshold)
    return _MEMO.get(key, lambda: _aggregates(user, year, municipality, threshold))


def _aggregates(user: Actor, year: int, municipality: Municipality | None, threshold: float) -> list[Aggregate]:
    staff = teachers(user)
    if municipality is not None:
        staff = staff.filter(school__municipality=municipality)
    columns = ["teacher", "school", "school_name", "municipality", "municipality_name"]
    rows = staff.values_list(
        "teacher_id", "school_id", "school__name", "school__municipality_id", "school__municipality__name"
    )
    # Each teacher counts once, where the staff list names them first (by school name).
    people = pd.DataFrame(list(rows), columns=columns).drop_duplicates("teacher")
    key, name = ("school", "school_name") if municipality is not None else ("municipality", "municipality_name")
    # The staff's teachers as a subquery, not a list of ids: a country's region has hundreds of
    # thousands, and binding them as parameters cost more than the query. No ordering: the model's
    # sorted a country's 6.6 M diagnostics by teacher for nothing.
    in_scope = staff.order_by().values("teacher_id")
    diag = Diagnostic.objects.filter(teacher_id__in=in_scope, year__in=[year - 1, year]).order_by()
    frame = pd.DataFrame(
        list(diag.values_list("teacher_id", "year", "area", "score", "max_score")),
        columns=["teacher", "year", "area", "score", "max_score"],
    )
    found = core.diagnosed(frame, year, threshold)
    route_status = dict(Route.objects.filter(teacher_id__in=in_scope, year=year).values_list("teacher_id", "status"))
    people = people.join(found, on="teacher")
    people["diagnosed"] = people["teacher"].isin(found.index)
    people["status"] = people["teacher"].map(route_status)
    for flag in ("deficits", "repeated", "improved"):
        people[flag] = people[flag].eq(True)  # not diagnosed in the year: no answer, counted as no
    people["routes"] = people["status"].notna()
    people["approved"] = people["status"].isin([Route.Status.APPROVED, Route.Status.COMPLETED])
    people["completed"] = people["status"] == Route.Status.COMPLETED
    counted = ["diagnosed", "deficits", "routes", "approved", "completed", "repeated", "improved"]
    sums = people.groupby([key, name], sort=False)[counted].sum()
    sizes = people.groupby([key, name], sort=False).size()
    groups = [
        Aggregate(
            str(label), int(pk), teachers=int(sizes[(pk, label)]), diagnosed=int(r.diagnosed),
            with_deficits=int(r.deficits), routes=int(r.routes), approved=int(r.approved),
            completed=int(r.completed), repeated=int(r.repeated), improved=int(r.improved),
        )
        for (pk, label), r in sums.iterrows()
    ]  # fmt: skip
    return sorted(groups, key=lambda g: g.name)


def diagnostic_years() -> list[int]:
    """The years with diagnostics, latest first: a scan of every diagnostic of the region (millions
    in a country's region), kept per data version."""
    return _MEMO.get(("staff-diagnostic-years",), _diagnostic_years)


def _diagnostic_years() -> list[int]:
    # Without `order_by()` the model's ordering joins the DISTINCT and every diagnostic came back.
    return sorted(Diagnostic.objects.order_by().values_list("year", flat=True).distinct(), reverse=True)
