"""Goals and tasks, per-year targets of the indicators, and the analysts' conclusions by the four directions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account
from shnor.audit.tracking import record
from shnor.core.indicators import SYSTEM, Value
from shnor.cycle import indicators
from shnor.cycle.models import (
    Conclusion,
    Goal,
    Target,
)
from shnor.cycle.services.common import CycleError, check_keeper, lines_of, preset
from shnor.identification import labels
from shnor.identification.models import SchoolResult
from shnor.registry.models import Municipality, School


@dataclass
class Goals:
    year: int
    municipality: Municipality | None
    goal: list[str]
    tasks: list[str]
    from_preset: bool
    source: str
    updated_at: dt.datetime | None = None


def goals(user: Actor, year: int, municipality: Municipality | None = None) -> Goals:
    """The year's goals and tasks of the region or a municipality. Until someone saves them, the
    region's are the preset's (its founding act); a municipality's start empty."""
    if municipality is not None and not restrict(Municipality.objects.filter(pk=municipality.pk), user).exists():
        raise PermissionDenied("Муниципалитет вне вашей зоны ответственности.")
    rows = list(Goal.objects.filter(year=year, municipality=municipality))
    if rows:
        return Goals(
            year,
            municipality,
            [g.text for g in rows if g.kind == Goal.Kind.GOAL],
            [g.text for g in rows if g.kind == Goal.Kind.TASK],
            False,
            "",
            max(g.updated_at for g in rows),
        )
    p = preset().goals
    if municipality is None:
        return Goals(year, None, list(p.goal), list(p.tasks), True, p.source)
    return Goals(year, municipality, [], [], True, "")


@transaction.atomic
def set_goals(user: Actor, year: int, municipality: Municipality | None, goal: str, tasks: str) -> Goals:
    check_keeper(user, municipality)
    goal_lines, task_lines = lines_of(goal), lines_of(tasks)
    if not goal_lines:
        raise CycleError("Сформулируйте цель (хотя бы одну строку).")
    if not task_lines:
        raise CycleError("Перечислите задачи (по одной на строке).")
    Goal.objects.filter(year=year, municipality=municipality).delete()
    who = account(user)
    Goal.objects.bulk_create(
        [
            Goal(year=year, municipality=municipality, kind=kind, text=text, position=i, updated_by=who)
            for kind, lines in ((Goal.Kind.GOAL, goal_lines), (Goal.Kind.TASK, task_lines))
            for i, text in enumerate(lines, start=1)
        ]
    )
    for g in Goal.objects.filter(year=year, municipality=municipality):  # bulk_create sends no signals
        record(g, "create", {"text": [None, g.text]})
    return goals(user, year, municipality)


def targets(year: int) -> dict[str, tuple[float | None, str]]:
    """Every indicator's target for the year and where it comes from (the preset or the year)."""
    p = preset()
    out: dict[str, tuple[float | None, str]] = {code: (value, "пресет") for code, value in p.indicators.targets.items()}
    for t in Target.objects.filter(year=year):
        out[t.code] = (t.value, "установлено на год")
    return out


@transaction.atomic
def set_targets(user: Actor, year: int, values: dict[str, float | None]) -> None:
    """Set (a number) or reset to the preset's (None) the targets of a year. Shares are percents."""
    check_keeper(user, None)
    for code, value in values.items():
        if code not in SYSTEM:
            raise CycleError(f"Нет показателя с кодом «{code}».")
        if value is None:
            for t in Target.objects.filter(year=year, code=code):
                t.delete()
            continue
        if value < 0 or (SYSTEM[code].kind == "share" and value > 100):
            raise CycleError(f"Показатель {code}: целевое значение {value} вне допустимых пределов (0–100 %).")
        target, created = Target.objects.get_or_create(
            year=year, code=code, defaults={"value": value, "set_by": account(user)}
        )
        if not created and target.value != value:
            target.value, target.set_by = value, account(user)
            target.save()


DIRECTION_CODES: dict[str, tuple[str, ...]] = {
    Conclusion.Direction.IDENTIFICATION: ("1.1",),
    Conclusion.Direction.DYNAMICS: ("1.2",),
    Conclusion.Direction.COMPETENCES: ("1.3.1", "1.3.2", "trained_per_school", "trained_total"),
    Conclusion.Direction.ASSISTANCE: ("1.4.1", "1.4.2", "1.4.3", "agreements", "events"),
}


@dataclass
class Direction:
    code: str
    title: str
    figures: list[tuple[str, str]]
    values: list[Value]
    conclusion: Conclusion | None


def analysis(
    user: Actor, year: int, municipality: Municipality | None = None, computed: list[Value] | None = None
) -> list[Direction]:
    """Act 004 §6: for each direction, the figures that inform it and the conclusions written."""
    if computed is None:  # the caller's indicators of this year and level, when it has them
        computed = indicators.compute(user, year, municipality.pk if municipality else None)
    values = {v.definition.code: v for v in computed}
    run, listed = indicators.listed_run(year)
    results = SchoolResult.objects.filter(run=run) if run else SchoolResult.objects.none()
    results = _restrict_results(results, user, municipality)
    clusters = Counter(results.values_list("cluster", flat=True))
    figures: dict[str, list[tuple[str, str]]] = {
        Conclusion.Direction.IDENTIFICATION: [
            ("Школ в расчёте", str(results.count())),
            ("Школ в перечне", str(results.filter(school_id__in=listed).count())),
            *[(f"Кластер «{labels.CLUSTERS[c]}»", str(n)) for c, n in sorted(clusters.items()) if c in labels.CLUSTERS],
        ],
        Conclusion.Direction.DYNAMICS: [],
        Conclusion.Direction.COMPETENCES: [],
        Conclusion.Direction.ASSISTANCE: [],
    }
    written = {c.direction: c for c in Conclusion.objects.filter(year=year, municipality=municipality)}
    out = []
    for code, title in Conclusion.Direction.choices:
        vs = [values[c] for c in DIRECTION_CODES[code] if c in values]
        out.append(Direction(code, title, figures[code], vs, written.get(code)))
    return out


def _restrict_results(
    qs: QuerySet[SchoolResult], user: Actor, municipality: Municipality | None
) -> QuerySet[SchoolResult]:
    qs = qs.filter(school__in=restrict(School.objects.all(), user))
    return qs.filter(school__municipality=municipality) if municipality else qs


def save_conclusion(user: Actor, year: int, direction: str, municipality: Municipality | None, text: str) -> Conclusion:
    check_keeper(user, municipality)
    if direction not in Conclusion.Direction.values:
        raise CycleError(f"Нет направления анализа «{direction}».")
    if not text.strip():
        raise CycleError("Напишите выводы: поле пустое.")
    conclusion = Conclusion.objects.filter(year=year, direction=direction, municipality=municipality).first()
    if conclusion is None:
        conclusion = Conclusion(year=year, direction=direction, municipality=municipality)
    conclusion.text, conclusion.updated_by = text.strip(), account(user)
    conclusion.save()
    return conclusion


def conclusions(user: Actor, year: int | None = None) -> QuerySet[Conclusion]:
    qs = restrict(Conclusion.objects.select_related("municipality"), user)
    return qs.filter(year=year) if year else qs
