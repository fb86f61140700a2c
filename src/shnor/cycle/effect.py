"""Effectiveness of the measures (seed 004 §10), estimated from the identification runs: the schools
on the approved list of the start year are the supported ones; their ИОР of the start year is
«before», their ИОР in the later run is «after»; the unsupported schools of the region are the
pool of controls, matched on ИСБ, size and the ИОР of the year before the start, within the same
locality (shnor.core.effect).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shnor.accounts.scoping import restrict
from shnor.core.effect import EffectError, Estimate, Unit, did
from shnor.identification.models import SchoolResult
from shnor.registry.models import School

COVARIATES = ("ИСБ", "численность обучающихся (логарифм)", "ИОР года до начала мер")

__all__ = ["COVARIATES", "Analysis", "EffectError", "analyse"]


@dataclass
class Analysis:
    start: int
    end: int
    estimate: Estimate
    names: dict[str, str]  # school code → name

    def balance(self) -> list[tuple[str, float, float]]:
        return list(zip(COVARIATES, self.estimate.balance_before, self.estimate.balance_after, strict=True))


def analyse(user: Any, start: int, end: int, k: int = 3, level: float = 0.9) -> Analysis:
    """Matched difference in differences of ИОР between `start` (the list's year) and `end`."""
    from shnor.support.services import official_run

    if end <= start:
        raise EffectError(f"Год «после» ({end}) должен быть позже года начала мер ({start}).")
    run_start, listed = official_run(start)
    run_end, _ = official_run(end)
    if run_start is None or not listed:
        raise EffectError(f"Нет утверждённого списка школ за {start} год: не с чем сравнивать.")
    if run_end is None:
        raise EffectError(f"Нет расчёта идентификации за {end} год: результатов «после» ещё нет.")
    schools = {s.pk: s for s in restrict(School.objects.filter(is_active=True), user)}
    before = {r.school_id: r for r in SchoolResult.objects.filter(run=run_start, school_id__in=schools)}
    after = dict(SchoolResult.objects.filter(run=run_end, school_id__in=schools).values_list("school_id", "per_year"))
    units: list[Unit] = []
    for pk, r in before.items():
        window = {int(y["year"]): y.get("ior") for y in r.per_year}
        later = {int(y["year"]): y.get("ior") for y in after.get(pk, [])}
        b, a, prior = window.get(start), later.get(end), window.get(start - 1, window.get(start))
        if b is None or a is None or r.isb is None or prior is None:
            continue  # not measured in both years: neither supported nor control
        school = schools[pk]
        units.append(
            Unit(
                school.school_id,
                pk in listed,
                float(b),
                float(a),
                (float(r.isb), math.log(school.enrollment + 1), float(prior)),
                school.locality,
            )
        )
    estimate = did(units, k=k, level=level)
    return Analysis(start, end, estimate, {s.school_id: s.name for s in schools.values()})
